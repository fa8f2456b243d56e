//! Target syntax and the request paths it maps to.

use super::*;

fn reason_of(text: &str) -> String {
    WhyTarget::parse(text).unwrap_err().to_string()
}

#[test]
fn a_bare_name_is_a_node_and_a_slash_separates_namespace_and_pod() {
    assert_eq!(WhyTarget::parse("worker-1").unwrap(), WhyTarget::Node("worker-1".into()));
    assert_eq!(
        WhyTarget::parse("kube-system/coredns-x.y").unwrap(),
        WhyTarget::Pod { namespace: "kube-system".into(), name: "coredns-x.y".into() }
    );
}

#[test]
fn targets_map_to_the_endpoint_paths() {
    assert_eq!(WhyTarget::parse("n1").unwrap().path(), "/why/nodes/n1");
    assert_eq!(WhyTarget::parse("default/web-1").unwrap().path(), "/why/namespaces/default/pods/web-1");
}

#[test]
fn bad_targets_are_refused_naming_the_input() {
    assert_eq!(
        reason_of("a/b/c"),
        "invalid target \"a/b/c\": more than one '/' (expected NODE or NAMESPACE/POD)"
    );
    assert_eq!(
        reason_of("default/"),
        "invalid target \"default/\": empty name (expected NODE or NAMESPACE/POD)"
    );
    assert!(reason_of("").contains("empty name"));
    assert!(reason_of("Web").contains("only lowercase letters"));
    assert!(reason_of("-web").contains("start and end with a letter or digit"));
    assert!(reason_of("a.b/pod").contains("a namespace cannot contain '.'"));
    assert!(reason_of("n1?x=1").contains("only lowercase letters"));
}

#[tokio::test]
async fn a_server_that_is_not_an_https_url_is_refused_before_any_request() {
    let access = ServerAccess { server: Some("http://127.0.0.1:1".into()), ..ServerAccess::default() };
    let target = WhyTarget::Node("n1".into());
    let err = ask(&target, &access).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid --server \"http://127.0.0.1:1\": expected https://HOST:PORT");
}

#[test]
fn an_answer_needs_served_and_message() {
    let answer = Answer::parse(r#"{"served":false,"message":"node n: not served","extra":1}"#).unwrap();
    assert_eq!(answer.message, "node n: not served");
    assert_eq!(answer.document["extra"], 1);
    assert_eq!(Answer::parse(r#"{"message":"m"}"#).unwrap_err(), "no boolean \"served\"");
    assert_eq!(Answer::parse(r#"{"served":true}"#).unwrap_err(), "no string \"message\"");
    assert!(Answer::parse("404 page not found").is_err());
}
