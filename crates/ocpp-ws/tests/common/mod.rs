//! Test helpers: a PKI made at test time, a temporary certificate store, a server with Basic
//! auth, and waiting for events (with a guard timeout, never a fixed sleep).

#![allow(dead_code)] // each test file uses its own part
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ocpp_ws::{
    server_config, AuthorizationKey, BackoffConfig, CertificateStore, ClientAuth, Connection,
    ConnectionOptions, Event, Events, PingConfig, Refusal, SecurityProfile, Server, ServerOptions,
    ServerTlsOptions,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

pub const CP: &str = "cp001";
pub const KEY: &str = "0123456789abcdef0123";

/// How long any one expected event may take before the test fails.
pub const GUARD: Duration = Duration::from_secs(15);

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ocpp-ws-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A certificate and its key.
pub struct Leaf {
    pub cert: CertificateDer<'static>,
    pub cert_pem: String,
    pub key: KeyPair,
}

impl Leaf {
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.serialize_der().into())
    }
}

/// A root CA.
pub struct Ca {
    pub cert: CertificateDer<'static>,
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// Validity of a leaf.
#[derive(Clone, Copy)]
pub enum Validity {
    Now,
    Expired,
    /// Valid from this year on (for "newest" ordering).
    Since(i32),
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(
        &self,
        names: &[&str],
        cn: &str,
        eku: ExtendedKeyUsagePurpose,
        validity: Validity,
    ) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![eku];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        match validity {
            Validity::Now => {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2090, 1, 1);
            }
            Validity::Expired => {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }
            Validity::Since(year) => {
                params.not_before = rcgen::date_time_ymd(year, 1, 1);
                params.not_after = rcgen::date_time_ymd(2090, 1, 1);
            }
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            cert: cert.der().clone(),
            key,
        }
    }

    /// A CSMS server certificate for these names (IP addresses or DNS names).
    pub fn server(&self, names: &[&str], validity: Validity) -> Leaf {
        self.leaf(names, "csms", ExtendedKeyUsagePurpose::ServerAuth, validity)
    }

    /// A charge point client certificate (CN = ChargePointId, as the whitepaper asks).
    pub fn client(&self, validity: Validity) -> Leaf {
        self.leaf(&[], CP, ExtendedKeyUsagePurpose::ClientAuth, validity)
    }
}

/// Writes the CSMS root CA into an EVerest-layout store.
pub fn install_root(dir: &Path, ca: &Ca) {
    let path = dir.join("ca/csms");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("CSMS_ROOT_CA.pem"), &ca.cert_pem).unwrap();
}

/// Writes a client certificate and its key into the store.
pub fn install_client(dir: &Path, name: &str, leaf: &Leaf) {
    let path = dir.join("client/csms");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join(format!("{name}.pem")), &leaf.cert_pem).unwrap();
    std::fs::write(path.join(format!("{name}.key")), leaf.key.serialize_pem()).unwrap();
}

/// A server checking Basic auth (cp001 / KEY) unless a client certificate was presented.
pub fn options_with_auth(tls: Option<Arc<rustls::ServerConfig>>) -> ServerOptions {
    ServerOptions {
        tls,
        authorizer: Some(Arc::new(|h| {
            if h.client_certificate.is_some() {
                return Ok(());
            }
            match h.credentials {
                Some(c) if c.matches(h.charge_point_id, KEY.as_bytes()) => Ok(()),
                _ => Err(Refusal::Unauthorized),
            }
        })),
        ..ServerOptions::default()
    }
}

/// A TLS server config with this certificate, requiring client certificates from `client_ca`
/// if given.
pub fn tls(server: &Leaf, client_auth: ClientAuth) -> Arc<rustls::ServerConfig> {
    server_config(ServerTlsOptions {
        chain: vec![server.cert.clone()],
        key: server.key_der(),
        client_auth,
    })
    .unwrap()
}

/// Client options with fast timers for tests.
pub fn client_options(
    addr: std::net::SocketAddr,
    profile: SecurityProfile,
    certs: Option<&Path>,
) -> ConnectionOptions {
    let mut o = ConnectionOptions::new(format!("{}/ocpp/", addr), CP, profile);
    o.authorization_key = Some(AuthorizationKey::new(KEY).unwrap());
    o.cert_store = certs.map(CertificateStore::new);
    o.tls.use_system_roots = false;
    o.backoff = BackoffConfig {
        wait_minimum: Duration::from_millis(50),
        random_range: Duration::from_millis(50),
        repeat_times: 1,
    };
    o.ping = PingConfig::default();
    o.handshake_timeout = Duration::from_secs(5);
    o
}

/// Binds a server on 127.0.0.1 with a free port.
pub async fn server(options: ServerOptions) -> Server {
    Server::bind("127.0.0.1:0", options).await.unwrap()
}

/// The next event, failing the test after [`GUARD`].
pub async fn next(events: &mut Events) -> Event {
    match tokio::time::timeout(GUARD, events.recv()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the connection task ended"),
        Err(_) => panic!("no event within {GUARD:?}"),
    }
}

/// Skips events until one matches.
pub async fn until(events: &mut Events, mut wanted: impl FnMut(&Event) -> bool) -> Event {
    loop {
        let event = next(events).await;
        if wanted(&event) {
            return event;
        }
    }
}

/// Opens a connection and returns its first ConnectFailed error kind and security event.
pub async fn first_failure(options: ConnectionOptions) -> (String, Option<&'static str>, String) {
    let (connection, mut events) = Connection::open(options).unwrap();
    let event = next(&mut events).await;
    drop(connection);
    match event {
        Event::ConnectFailed { error, .. } => (
            error.kind().to_owned(),
            error.security_event(),
            error.to_string(),
        ),
        other => panic!("expected a failed attempt, got {other:?}"),
    }
}

/// Waits for `Connected` and returns its id.
pub async fn connected(events: &mut Events) -> u64 {
    match next(events).await {
        Event::Connected { id, .. } => id,
        other => panic!("expected Connected, got {other:?}"),
    }
}

/// The SEC1 `EC PRIVATE KEY` DER of a key (what `openssl ecparam -genkey` writes).
pub fn sec1_der(key: &KeyPair) -> Vec<u8> {
    pkcs8::PrivateKeyInfo::try_from(key.serialize_der().as_slice())
        .unwrap()
        .private_key
        .to_vec()
}

/// `der` (a `tag` block) encrypted as OpenSSL's traditional PEM, as
/// `openssl ec -aes-<bits>-cbc -passout pass:<password>` writes it: `Proc-Type: 4,ENCRYPTED`,
/// `DEK-Info: AES-<bits>-CBC,<IV>`, key = EVP_BytesToKey(MD5, salt = IV[..8], 1 round).
pub fn legacy_encrypted_pem(tag: &str, der: &[u8], password: &str, bits: usize) -> String {
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    use md5::{Digest, Md5};
    type Pad = cbc::cipher::block_padding::Pkcs7;
    let iv: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    let mut key = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    while key.len() < bits / 8 {
        previous = Md5::new()
            .chain_update(&previous)
            .chain_update(password)
            .chain_update(&iv[..8])
            .finalize()
            .to_vec();
        key.extend_from_slice(&previous);
    }
    key.truncate(bits / 8);
    let ciphertext = match bits {
        128 => cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pad>(der),
        192 => cbc::Encryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pad>(der),
        256 => cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pad>(der),
        other => panic!("no AES-{other}"),
    };
    let hex: String = iv.iter().map(|b| format!("{b:02X}")).collect();
    let mut block = pem::Pem::new(tag, ciphertext);
    block.headers_mut().add("Proc-Type", "4,ENCRYPTED").unwrap();
    block
        .headers_mut()
        .add("DEK-Info", &format!("AES-{bits}-CBC,{hex}"))
        .unwrap();
    pem::encode(&block)
}

/// A key encrypted as PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2, PBKDF2-SHA256, AES-256-CBC).
pub fn pkcs8_encrypted_pem(key: &KeyPair, password: &str) -> String {
    let (salt, iv): ([u8; 16], [u8; 16]) = (
        std::array::from_fn(|_| fastrand::u8(..)),
        std::array::from_fn(|_| fastrand::u8(..)),
    );
    // Few PBKDF2 rounds: the tests check the format, not the key stretching.
    let params = pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(64, &salt, &iv).unwrap();
    let der = key.serialize_der();
    let doc = pkcs8::PrivateKeyInfo::try_from(der.as_slice())
        .unwrap()
        .encrypt_with_params(params, password)
        .unwrap();
    pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", doc.as_bytes()))
}
