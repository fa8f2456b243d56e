//! Bearer tokens: JWTs (`HS256`) signed with a per-cluster key, and their validation.
//!
//! The key is 32 random bytes kept in the Secret `kube-system/bellows-sim-token-signing-key`
//! (kube-apiserver keeps its `--service-account-key-file` on disk; the sim has only the store).
//! Three kinds of token exist, told apart by their issuer:
//! - bound `ServiceAccount` tokens (`TokenRequest`; issuer [`ISSUER`]): `exp`, audiences, and the
//!   `ServiceAccount`'s name and uid, which must still match a stored `ServiceAccount`;
//! - legacy Secret tokens (issuer [`LEGACY_ISSUER`]): no expiry, valid while the Secret exists and
//!   still holds the token;
//! - the static admin token (issuer [`STATIC_ISSUER`]): user `admin` in `system:masters`.
//!
//! Validation never panics on input: malformed tokens are simply not authenticated.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use ring::hmac;
use ring::rand::{SecureRandom as _, SystemRandom};
use serde_json::{Value, json};

use super::UserInfo;
use crate::sim::cluster::Cluster;
use crate::sim::status::ApiError;
use crate::sim::store::{ResourceKey, format_time};

/// Issuer (and default audience) of bound `ServiceAccount` tokens.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// The API server's audience.
pub const API_AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";
/// Issuer of legacy Secret-based tokens (as upstream).
pub const LEGACY_ISSUER: &str = "kubernetes/serviceaccount";
/// Issuer of the static admin token.
pub const STATIC_ISSUER: &str = "bellows-sim/static";
/// Name of the Secret holding the signing key (in `kube-system`).
pub const SIGNING_KEY_SECRET: &str = "bellows-sim-token-signing-key";
/// Default `expirationSeconds` of a `TokenRequest`.
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;

fn secrets() -> ResourceKey {
    ResourceKey::new("", "secrets")
}

/// Create the signing key Secret (random) unless it exists.
pub fn ensure_signing_key(cluster: &Cluster) -> Result<(), ApiError> {
    if cluster.get(&secrets(), "kube-system", SIGNING_KEY_SECRET).is_some() {
        return Ok(());
    }
    let mut key = [0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| ApiError::new(500, "InternalError", "no randomness for the token signing key"))?;
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": SIGNING_KEY_SECRET, "namespace": "kube-system"},
        "data": {"key": STANDARD.encode(key)},
    });
    cluster.create(&secrets(), secret, false).map(|_| ())
}

fn signing_key(cluster: &Cluster) -> Option<hmac::Key> {
    let secret = cluster.get(&secrets(), "kube-system", SIGNING_KEY_SECRET)?;
    let raw = STANDARD.decode(secret["data"]["key"].as_str()?).ok()?;
    Some(hmac::Key::new(hmac::HMAC_SHA256, &raw))
}

/// A signed JWT carrying `claims`.
pub fn sign(cluster: &Cluster, claims: &Value) -> Result<String, ApiError> {
    let key = signing_key(cluster).ok_or_else(|| {
        ApiError::new(
            500,
            "InternalError",
            format!("the token signing key (secret kube-system/{SIGNING_KEY_SECRET}) is missing"),
        )
    })?;
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{body}");
    let tag = hmac::sign(&key, signing_input.as_bytes());
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())))
}

/// The claims of a token signed by this cluster, or `None`.
pub fn verify(cluster: &Cluster, token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (header, body, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let key = signing_key(cluster)?;
    let tag = URL_SAFE_NO_PAD.decode(signature).ok()?;
    hmac::verify(&key, format!("{header}.{body}").as_bytes(), &tag).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    claims.is_object().then_some(claims)
}

/// A token issued for a `ServiceAccount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The JWT.
    pub token: String,
    /// When it expires (RFC 3339).
    pub expiration_timestamp: String,
}

/// The groups of a `ServiceAccount` user (without `system:authenticated`).
pub fn service_account_groups(namespace: &str) -> Vec<String> {
    vec!["system:serviceaccounts".to_owned(), format!("system:serviceaccounts:{namespace}")]
}

/// The user name of a `ServiceAccount`.
pub fn service_account_username(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

fn service_account(cluster: &Cluster, namespace: &str, name: &str) -> Result<Value, ApiError> {
    let key = ResourceKey::new("", "serviceaccounts");
    cluster.get(&key, namespace, name).ok_or_else(|| {
        ApiError::new(404, "NotFound", format!("serviceaccounts \"{name}\" not found")).about(&key, name)
    })
}

/// Issue a bound token for `ServiceAccount` `namespace/name`, valid from `now` for
/// `expiration_seconds`, for `audiences` (the API server's when empty). The `ServiceAccount` must
/// exist. `now` is a parameter so tests can mint already-expired tokens.
pub fn issue_service_account_token(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    audiences: &[String],
    expiration_seconds: i64,
    now: Timestamp,
) -> Result<IssuedToken, ApiError> {
    let sa = service_account(cluster, namespace, name)?;
    let iat = now.as_second();
    let exp = iat.saturating_add(expiration_seconds);
    let audiences: Vec<String> =
        if audiences.is_empty() { vec![API_AUDIENCE.to_owned()] } else { audiences.to_vec() };
    let jti = format!("{:016x}", cluster.revision() ^ (iat as u64).rotate_left(17));
    let claims = json!({
        "aud": audiences, "exp": exp, "iat": iat, "nbf": iat, "iss": ISSUER, "jti": jti,
        "kubernetes.io": {"namespace": namespace,
                          "serviceaccount": {"name": name, "uid": sa["metadata"]["uid"]}},
        "sub": service_account_username(namespace, name),
    });
    let expiration = Timestamp::from_second(exp).unwrap_or(now);
    Ok(IssuedToken { token: sign(cluster, &claims)?, expiration_timestamp: format_time(expiration) })
}

/// A legacy (non-expiring) token for the `kubernetes.io/service-account-token` Secret
/// `namespace/secret_name` of `ServiceAccount` `sa_name` (uid `sa_uid`).
pub fn legacy_token(
    cluster: &Cluster,
    namespace: &str,
    secret_name: &str,
    sa_name: &str,
    sa_uid: &str,
) -> Result<String, ApiError> {
    let claims = json!({
        "iss": LEGACY_ISSUER,
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/secret.name": secret_name,
        "kubernetes.io/serviceaccount/service-account.name": sa_name,
        "kubernetes.io/serviceaccount/service-account.uid": sa_uid,
        "sub": service_account_username(namespace, sa_name),
    });
    sign(cluster, &claims)
}

/// The static token of user `admin` (group `system:masters`), as a kubeconfig user may hold it.
pub fn static_admin_token(cluster: &Cluster) -> Result<String, ApiError> {
    sign(cluster, &json!({"iss": STATIC_ISSUER, "sub": "admin", "groups": ["system:masters"]}))
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The user of `token` at time `now` and the token's audiences (the API server's audience for
/// tokens without one), or `None` if it does not authenticate.
pub fn authenticate(cluster: &Cluster, token: &str, now: Timestamp) -> Option<(UserInfo, Vec<String>)> {
    let claims = verify(cluster, token)?;
    let s = |path: &[&str]| {
        path.iter().try_fold(&claims, |v, k| v.get(*k)).and_then(Value::as_str).unwrap_or_default()
    };
    match s(&["iss"]) {
        ISSUER => {
            let exp = claims["exp"].as_i64()?;
            let nbf = claims["nbf"].as_i64().unwrap_or(i64::MIN);
            if now.as_second() >= exp || now.as_second() < nbf {
                return None;
            }
            let namespace = s(&["kubernetes.io", "namespace"]);
            let name = s(&["kubernetes.io", "serviceaccount", "name"]);
            let uid = s(&["kubernetes.io", "serviceaccount", "uid"]);
            let sa = service_account(cluster, namespace, name).ok()?;
            if sa["metadata"]["uid"].as_str() != Some(uid) {
                return None;
            }
            let mut user = sa_user(namespace, name, uid);
            user.extra.insert(
                "authentication.kubernetes.io/credential-id".into(),
                vec![format!("JTI={}", s(&["jti"]))],
            );
            Some((user, string_list(&claims["aud"])))
        }
        LEGACY_ISSUER => {
            let p = "kubernetes.io/serviceaccount/";
            let namespace = s(&[&format!("{p}namespace")]);
            let secret_name = s(&[&format!("{p}secret.name")]);
            let name = s(&[&format!("{p}service-account.name")]);
            let uid = s(&[&format!("{p}service-account.uid")]);
            let secret = cluster.get(&secrets(), namespace, secret_name)?;
            let stored = STANDARD.decode(secret["data"]["token"].as_str()?).ok()?;
            let sa = service_account(cluster, namespace, name).ok()?;
            if stored != token.as_bytes() || sa["metadata"]["uid"].as_str() != Some(uid) {
                return None;
            }
            Some((sa_user(namespace, name, uid), vec![API_AUDIENCE.to_owned()]))
        }
        STATIC_ISSUER => {
            let groups = string_list(&claims["groups"]);
            let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
            Some((UserInfo::new(s(&["sub"]), &groups), vec![API_AUDIENCE.to_owned()]))
        }
        _ => None,
    }
}

fn sa_user(namespace: &str, name: &str, uid: &str) -> UserInfo {
    let groups = service_account_groups(namespace);
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let mut user = UserInfo::new(&service_account_username(namespace, name), &groups);
    uid.clone_into(&mut user.uid);
    user
}

/// `kubeconfig` YAML (as [`crate::sim::kubeconfig::render`] writes it) with one more user,
/// `admin-token` (the static admin `token`), and a context `bellows-sim-token` using it.
pub fn kubeconfig_with_token_user(yaml: &str, token: &str) -> String {
    let context = crate::sim::kubeconfig::CONTEXT;
    yaml.replacen("users:\n", &format!("users:\n- name: admin-token\n  user:\n    token: {token}\n"), 1)
        .replacen(
            "contexts:\n",
            &format!(
                "contexts:\n- name: {context}-token\n  context:\n    cluster: {context}\n    user: admin-token\n    namespace: default\n"
            ),
            1,
        )
}
