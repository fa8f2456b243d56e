//! Who a client certificate names: the subject's `CommonName` (user) and Organizations (groups),
//! as kube-apiserver's x509 authenticator maps them.
//!
//! A minimal DER walk of `Certificate.tbsCertificate.subject`: only lengths and tags are trusted,
//! every read is bounds-checked, and anything unexpected yields `None` (the request is then treated
//! as unauthenticated). The chain itself is verified by rustls before this runs.

/// The identity a certificate carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertIdentity {
    /// Subject `CommonName`.
    pub user: String,
    /// Subject Organization values.
    pub groups: Vec<String>,
}

/// One DER element: tag and contents; returns it and the rest of the input.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];

/// The subject identity of the client certificate a TLS connection presented, if any.
pub fn peer_identity<IO>(tls: &tokio_rustls::server::TlsStream<IO>) -> Option<CertIdentity> {
    tls.get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|cert| identity(cert.as_ref()))
}

/// The subject identity of a DER certificate, or `None` if it does not parse.
pub fn identity(der: &[u8]) -> Option<CertIdentity> {
    let (_, cert, _) = element(der)?;
    let (_, tbs, _) = element(cert)?;
    let mut rest = tbs;
    // Skip the optional [0] version, then serial, signature algorithm, issuer and validity.
    let (tag, _, after) = element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..4 {
        rest = element(rest)?.2;
    }
    let (_, mut subject, _) = element(rest)?;
    let mut id = CertIdentity::default();
    while !subject.is_empty() {
        let (_, mut rdn, next) = element(subject)?;
        subject = next;
        while !rdn.is_empty() {
            let (_, attr, next) = element(rdn)?;
            rdn = next;
            let (_, oid, value) = element(attr)?;
            let (_, text, _) = element(value)?;
            let text = String::from_utf8_lossy(text).into_owned();
            if oid == OID_COMMON_NAME {
                id.user = text;
            } else if oid == OID_ORGANIZATION {
                id.groups.push(text);
            }
        }
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::identity;
    use crate::sim::pki::Pki;

    #[test]
    fn admin_certificate_names_admin_in_system_masters() {
        let pki = Pki::generate().unwrap();
        let admin = pki.issue_client("admin", &["system:masters"]).unwrap();
        let id = identity(admin.cert_der.as_ref()).unwrap();
        assert_eq!((id.user.as_str(), id.groups), ("admin", vec!["system:masters".to_owned()]));
    }

    #[test]
    fn truncated_der_is_not_an_identity() {
        assert_eq!(identity(&[0x30, 0x82, 0x01]), None);
        assert_eq!(identity(&[]), None);
    }
}
