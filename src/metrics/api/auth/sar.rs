//! `SubjectAccessReview` (`authorization.k8s.io/v1`) request bodies and responses.
//!
//! The body mirrors the webhook authorizer: `spec.user`/`uid`/`groups`/`extra` from the user,
//! `resourceAttributes` (namespace, verb, group, version, resource, subresource, name) or
//! `nonResourceAttributes` (path, verb), empty fields omitted, Go field order. A response allows
//! when `status.allowed`; anything else is a denial carrying `status.reason`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::attributes::{Decision, RequestAttributes, RequestTarget};
use super::{AuthError, UserInfo};

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

/// `spec.resourceAttributes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceAttributes {
    /// Namespace.
    #[serde(skip_serializing_if = "is_empty")]
    pub namespace: String,
    /// Verb.
    #[serde(skip_serializing_if = "is_empty")]
    pub verb: String,
    /// API group.
    #[serde(skip_serializing_if = "is_empty")]
    pub group: String,
    /// API version.
    #[serde(skip_serializing_if = "is_empty")]
    pub version: String,
    /// Resource.
    #[serde(skip_serializing_if = "is_empty")]
    pub resource: String,
    /// Subresource.
    #[serde(skip_serializing_if = "is_empty")]
    pub subresource: String,
    /// Name.
    #[serde(skip_serializing_if = "is_empty")]
    pub name: String,
}

/// `spec.nonResourceAttributes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonResourceAttributes {
    /// Path.
    #[serde(skip_serializing_if = "is_empty")]
    pub path: String,
    /// Verb.
    #[serde(skip_serializing_if = "is_empty")]
    pub verb: String,
}

/// `spec`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReviewSpec {
    /// Set for resource requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<ResourceAttributes>,
    /// Set for non-resource requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_resource_attributes: Option<NonResourceAttributes>,
    /// User name.
    #[serde(skip_serializing_if = "is_empty")]
    pub user: String,
    /// Groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Extra attributes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    /// User UID.
    #[serde(skip_serializing_if = "is_empty")]
    pub uid: String,
}

/// Empty `metadata` as Go emits it for a new object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewObjectMeta {
    /// Always `null`.
    pub creation_timestamp: Option<()>,
}

/// `status` of a request body (always `{"allowed":false}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RequestStatus {
    /// Always false in requests.
    pub allowed: bool,
}

/// The request body sent (POST) to `/apis/authorization.k8s.io/v1/subjectaccessreviews`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReview {
    /// Always `SubjectAccessReview`.
    pub kind: &'static str,
    /// Always `authorization.k8s.io/v1`.
    pub api_version: &'static str,
    /// Empty metadata.
    pub metadata: NewObjectMeta,
    /// What is asked.
    pub spec: SubjectAccessReviewSpec,
    /// Empty status.
    pub status: RequestStatus,
}

/// Builds the review for `user` doing `attributes`.
pub fn build_review(user: &UserInfo, attributes: &RequestAttributes) -> SubjectAccessReview {
    let verb = attributes.verb.clone();
    let (resource_attributes, non_resource_attributes) = match &attributes.target {
        RequestTarget::Resource { namespace, group, version, resource, subresource, name } => (
            Some(ResourceAttributes {
                namespace: namespace.clone(),
                verb,
                group: group.clone(),
                version: version.clone(),
                resource: resource.clone(),
                subresource: subresource.clone(),
                name: name.clone(),
            }),
            None,
        ),
        RequestTarget::NonResource { path } => {
            (None, Some(NonResourceAttributes { path: path.clone(), verb }))
        }
    };
    SubjectAccessReview {
        kind: "SubjectAccessReview",
        api_version: "authorization.k8s.io/v1",
        metadata: NewObjectMeta { creation_timestamp: None },
        spec: SubjectAccessReviewSpec {
            resource_attributes,
            non_resource_attributes,
            user: user.name.clone(),
            groups: user.groups.clone(),
            extra: user.extra.clone(),
            uid: user.uid.clone(),
        },
        status: RequestStatus { allowed: false },
    }
}

#[derive(Deserialize)]
struct ResponseBody {
    #[serde(default)]
    status: ResponseStatus,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ResponseStatus {
    #[serde(default)]
    allowed: bool,
    #[serde(default)]
    reason: String,
}

/// Reads a review response body into a decision.
pub fn parse_review_response(body: &[u8]) -> Result<Decision, AuthError> {
    let parsed: ResponseBody =
        serde_json::from_slice(body).map_err(|e| AuthError::InvalidReviewResponse(e.to_string()))?;
    Ok(if parsed.status.allowed { Decision::Allow } else { Decision::Deny(parsed.status.reason) })
}
