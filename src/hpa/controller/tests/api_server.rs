//! The `kube::Client` implementations against a scripted API server (a `tower` service): URLs,
//! bodies, error mapping and the metrics API decoding.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};

use super::*;
use crate::hpa::controller::clients::{
    ClientError, CustomMetrics, DescribedObject, ExternalMetrics, ResourceMetrics, ScaleClient, TargetRef,
};
use crate::hpa::controller::fetch::selector_query;
use crate::hpa::controller::kubeio::{
    CustomMetricsApi, Discovery, ExternalMetricsApi, KubeScale, MetricsApi,
};
use crate::selectors::LabelSelector;

type Log = Arc<Mutex<Vec<String>>>;

/// A client whose API server answers `respond(method, path_and_query, body)` and logs each call.
fn scripted(respond: impl Fn(&str, &str, &[u8]) -> (u16, Value) + Send + Sync + 'static) -> (Client, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let respond = Arc::new(respond);
    let service = tower::service_fn(move |req: http::Request<Body>| {
        let seen = Arc::clone(&seen);
        let respond = Arc::clone(&respond);
        async move {
            let method = req.method().to_string();
            let uri = req.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
            let body = http_body_util::BodyExt::collect(req.into_body()).await.unwrap().to_bytes();
            seen.lock().unwrap().push(format!("{method} {uri}"));
            let (status, value) = respond(&method, &uri, &body);
            let response = http::Response::builder()
                .status(status)
                .body(Body::from(serde_json::to_vec(&value).unwrap()))
                .unwrap();
            Ok::<_, Infallible>(response)
        }
    });
    (Client::new(service, "default"), log)
}

fn apps_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
        "resources": [
            {"name": "deployments", "singularName": "deployment", "namespaced": true, "kind": "Deployment",
             "verbs": ["get", "list", "watch", "update", "patch"]},
            {"name": "deployments/scale", "singularName": "", "namespaced": true, "group": "autoscaling",
             "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}
        ]
    })
}

fn scale_json(replicas: i32, version: &str) -> Value {
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": "web", "namespace": "default", "resourceVersion": version},
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "selector": "app=web"}
    })
}

fn target() -> TargetRef {
    TargetRef { api_version: "apps/v1".to_owned(), kind: "Deployment".to_owned(), name: "web".to_owned() }
}

#[tokio::test]
async fn scale_is_read_through_discovery_and_written_with_its_resource_version() {
    let (client, log) = scripted(|method, uri, body| match (method, uri) {
        ("GET", "/apis/apps/v1") => (200, apps_v1()),
        ("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale") => (200, scale_json(3, "7")),
        ("PUT", _) => {
            let sent: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(sent["metadata"]["resourceVersion"], "7");
            assert_eq!(sent["spec"]["replicas"], 5);
            (200, scale_json(5, "8"))
        }
        _ => (404, json!({})),
    });
    let scales = KubeScale::new(client.clone(), Discovery::new(client));
    let scale = scales.get_scale("default", &target()).await.unwrap();
    assert_eq!(
        scale,
        Scale {
            spec_replicas: 3,
            status_replicas: 3,
            selector: Some("app=web".to_owned()),
            resource_version: Some("7".to_owned())
        }
    );
    let updated = scales.update_scale("default", &target(), &scale, 5).await.unwrap();
    assert_eq!(updated.spec_replicas, 5);
    // Discovery is asked once, then cached.
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "GET /apis/apps/v1",
            "GET /apis/apps/v1/namespaces/default/deployments/web/scale",
            "PUT /apis/apps/v1/namespaces/default/deployments/web/scale?fieldManager=bellows",
        ]
    );
}

#[tokio::test]
async fn a_409_on_the_scale_write_is_a_conflict() {
    let (client, _) = scripted(|method, _, _| match method {
        "GET" => (200, apps_v1()),
        _ => (
            409,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409,
                   "message": "Operation cannot be fulfilled on deployments.apps \"web\": the object has been \
                               modified; please apply your changes to the latest version and try again"}),
        ),
    });
    let scales = KubeScale::new(client.clone(), Discovery::new(client));
    let scale =
        Scale { spec_replicas: 3, status_replicas: 3, selector: None, resource_version: Some("1".into()) };
    let err = scales.update_scale("default", &target(), &scale, 5).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply \
         your changes to the latest version and try again"
    );
}

#[tokio::test]
async fn a_404_on_the_scale_read_is_the_servers_message_alone() {
    // Found end to end (e2e/tests/hpa_on_sim.rs): the message used to be printed twice,
    // `deployments.apps "ghost" not found: deployments.apps "ghost" not found`. Upstream's
    // FailedGetScale event is `err.Error()` of the StatusError, i.e. the message.
    let (client, _) = scripted(|_, path, _| match path {
        "/apis/apps/v1" => (200, apps_v1()),
        _ => (
            404,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                   "message": "deployments.apps \"web\" not found"}),
        ),
    });
    let scales = KubeScale::new(client.clone(), Discovery::new(client));
    let err = scales.get_scale("default", &target()).await.unwrap_err();
    assert!(matches!(err, ClientError::NotFound { .. }), "{err:?}");
    assert_eq!(err.to_string(), "deployments.apps \"web\" not found");
}

#[tokio::test]
async fn an_unknown_kind_is_a_discovery_error() {
    let (client, _) = scripted(|_, _, _| (200, apps_v1()));
    let scales = KubeScale::new(client.clone(), Discovery::new(client));
    let rollout =
        TargetRef { api_version: "apps/v1".to_owned(), kind: "Rollout".to_owned(), name: "web".to_owned() };
    let err = scales.get_scale("default", &rollout).await.unwrap_err();
    assert!(matches!(err, ClientError::Discovery { .. }), "{err:?}");
}

#[tokio::test]
async fn pod_metrics_are_read_from_metrics_k8s_io_with_the_selector() {
    let (client, log) = scripted(|_, _, _| {
        (
            200,
            json!({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                   "items": [{"metadata": {"name": "web-0", "namespace": "default"},
                              "timestamp": "2026-01-01T00:00:00Z", "window": "15.012s",
                              "containers": [{"name": "app", "usage": {"cpu": "250001n", "memory": "10Mi"}}]}]}),
        )
    });
    let selector = LabelSelector::parse("app=web").unwrap();
    let items = MetricsApi(client).pod_metrics("default", &selector, "app=web").await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].name, "web-0");
    assert_eq!(items[0].window, SignedDuration::from_millis(15_012));
    assert_eq!(items[0].containers[0].usage, ResourceList { cpu: Some(1), memory: Some(10_485_760_000) });
    assert_eq!(
        *log.lock().unwrap(),
        vec!["GET /apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb"]
    );
}

#[tokio::test]
async fn custom_and_external_metrics_use_upstream_paths_and_errors() {
    let (client, log) = scripted(|_, uri, _| {
        if uri.contains("external") {
            (
                200,
                json!({"items": [{"metricName": "queue", "timestamp": "2026-01-01T00:00:00Z", "value": "30"},
                                 {"metricName": "queue", "timestamp": "2026-01-01T00:00:01Z", "value": "12"}]}),
            )
        } else if uri.contains("/pods/") {
            (200, json!({"items": []}))
        } else {
            (
                200,
                json!({"items": [{"describedObject": {"kind": "Ingress", "name": "main"},
                                  "metric": {"name": "requests"}, "timestamp": "2026-01-01T00:00:00Z",
                                  "value": "1500m"}]}),
            )
        }
    });
    let discovery_client = scripted(|_, _, _| {
        (
            200,
            json!({"groupVersion": "networking.k8s.io/v1", "resources": [
                {"name": "ingresses", "singularName": "ingress", "namespaced": true, "kind": "Ingress", "verbs": ["get"]}]}),
        )
    })
    .0;
    let custom = CustomMetricsApi::new(client.clone(), Discovery::new(discovery_client));
    let ingress = DescribedObject {
        api_version: "networking.k8s.io/v1".to_owned(),
        kind: "Ingress".to_owned(),
        name: "main".to_owned(),
    };
    assert_eq!(custom.object_metric("default", &ingress, "requests", "").await.unwrap(), (1500, t0()));
    assert_eq!(
        custom.pods_metric("default", "rps", "app=web", "").await.unwrap_err(),
        "no metrics returned from custom metrics API"
    );
    let external = ExternalMetricsApi(client);
    assert_eq!(
        external.external_metric("default", "queue", "q=jobs").await.unwrap(),
        (vec![30_000, 12_000], t0())
    );
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "GET /apis/custom.metrics.k8s.io/v1beta2/namespaces/default/ingresses.networking.k8s.io/main/requests",
            "GET /apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/rps?labelSelector=app%3Dweb",
            "GET /apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue?labelSelector=q%3Djobs",
        ]
    );
}

#[test]
fn metric_selectors_render_as_label_selector_strings() {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector as K8s, LabelSelectorRequirement};
    let selector = K8s {
        match_labels: Some(BTreeMap::from([("queue".to_owned(), "jobs".to_owned())])),
        match_expressions: Some(vec![
            LabelSelectorRequirement {
                key: "tier".to_owned(),
                operator: "In".to_owned(),
                values: Some(vec!["a".to_owned(), "b".to_owned()]),
            },
            LabelSelectorRequirement {
                key: "gpu".to_owned(),
                operator: "DoesNotExist".to_owned(),
                values: None,
            },
        ]),
    };
    assert_eq!(selector_query(Some(&selector)), "queue=jobs,tier in (a,b),!gpu");
    assert_eq!(selector_query(None), "");
}

#[test]
fn controller_flags_default_to_kube_controller_manager_values() {
    use clap::Parser as _;
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: crate::hpa::controller::ControllerArgs,
    }
    let cli = Cli::parse_from(["bellows"]);
    let config = Config::from(&cli.args);
    assert_eq!(config, Config::default());
    assert!(!cli.args.leader_elect);
    let cli = Cli::parse_from([
        "bellows",
        "--horizontal-pod-autoscaler-sync-period=30s",
        "--hpa-scope=annotated",
        "--concurrent-horizontal-pod-autoscaler-syncs=2",
        "--leader-elect",
    ]);
    let config = Config::from(&cli.args);
    assert_eq!(config.sync_period, SignedDuration::from_secs(30));
    assert_eq!(config.scope, crate::hpa::controller::HpaScope::Annotated);
    assert_eq!(config.concurrent_syncs, 2);
    assert!(cli.args.leader_elect);
}

#[tokio::test]
async fn the_run_loop_starts_its_watches_and_stops_on_shutdown() {
    let (client, log) = scripted(|_, _, _| {
        (200, json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}))
    });
    let args = {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: crate::hpa::controller::ControllerArgs,
        }
        Cli::parse_from(["bellows"]).args
    };
    let stopped = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        Box::pin(crate::hpa::controller::run(
            client,
            &args,
            None,
            tokio::time::sleep(std::time::Duration::from_millis(200)),
        )),
    )
    .await;
    assert!(matches!(stopped, Ok(Ok(()))));
    let calls = log.lock().unwrap().clone();
    for resource in [
        "/api/v1/pods?",
        "/apis/autoscaling/v2/horizontalpodautoscalers?",
        "/apis/autoscaling.bellows.dev/v1alpha1/autoscalingpolicies?",
    ] {
        assert!(
            calls.iter().any(|c| c.starts_with(&format!("GET {resource}"))),
            "{resource} not listed: {calls:?}"
        );
    }
}
