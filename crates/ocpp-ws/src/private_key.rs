//! Private keys of the certificate store, as EVerest's EvseSecurity module accepts them: PEM,
//! unencrypted (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) or
//! encrypted with its `private_key_password` in one of the two forms OpenSSL writes:
//!
//! - the "traditional" OpenSSL form (`openssl ec -aes-128-cbc`, `openssl genrsa -aes256`, as
//!   EVerest's certificate scripts make them): an `EC` / `RSA PRIVATE KEY` block with the
//!   headers `Proc-Type: 4,ENCRYPTED` and `DEK-Info: AES-<bits>-CBC,<hex IV>`, the key
//!   derived by `EVP_BytesToKey` (MD5, salt = the first 8 bytes of the IV, one round);
//!   AES-128/192/256-CBC are supported, DES / 3DES are not;
//! - PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2 or scrypt, AES-CBC), what
//!   `openssl pkcs8 -topk8` and OpenSSL 3's `genpkey -aes256` write.

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

/// Why a PEM file's private key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyError {
    /// The key is encrypted and no `private_key_password` is configured.
    #[error("the private key is encrypted and no private key password is configured")]
    PasswordMissing,
    /// The configured password does not decrypt the key.
    #[error("the private key password does not decrypt the key")]
    WrongPassword,
    /// The key is encrypted with a cipher or scheme we do not implement.
    #[error("the private key is encrypted with an unsupported cipher: {0}")]
    UnsupportedCipher(String),
    /// The file is not a well-formed PEM private key.
    #[error("malformed PEM private key: {0}")]
    MalformedPem(String),
}

/// The first private key in the PEM text `pem_text`, decrypted with `password` if it is
/// encrypted (an empty password counts as none, as in EVerest's configuration). `Ok(None)`
/// when the text holds PEM blocks but no private key (a certificate file).
pub fn decode_private_key(
    pem_text: &[u8],
    password: Option<&str>,
) -> Result<Option<PrivateKeyDer<'static>>, PrivateKeyError> {
    let blocks =
        pem::parse_many(pem_text).map_err(|e| PrivateKeyError::MalformedPem(e.to_string()))?;
    let password = password.filter(|p| !p.is_empty());
    for block in &blocks {
        let key = match block.tag() {
            "PRIVATE KEY" => {
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(block.contents().to_vec()))
            }
            "ENCRYPTED PRIVATE KEY" => {
                let password = password.ok_or(PrivateKeyError::PasswordMissing)?;
                decrypt_pkcs8(block.contents(), password)?
            }
            "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
                let der = match block.headers().get("Proc-Type") {
                    None => block.contents().to_vec(),
                    Some(proc_type) if proc_type.trim() == "4,ENCRYPTED" => {
                        let dek_info = block.headers().get("DEK-Info").ok_or_else(|| {
                            PrivateKeyError::MalformedPem(
                                "Proc-Type ENCRYPTED without DEK-Info".to_owned(),
                            )
                        })?;
                        let password = password.ok_or(PrivateKeyError::PasswordMissing)?;
                        decrypt_legacy(dek_info, block.contents(), password)?
                    }
                    Some(other) => {
                        return Err(PrivateKeyError::MalformedPem(format!(
                            "unexpected Proc-Type {other:?}"
                        )))
                    }
                };
                if block.tag() == "EC PRIVATE KEY" {
                    PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der))
                } else {
                    PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der))
                }
            }
            _ => continue,
        };
        return Ok(Some(key));
    }
    Ok(None)
}

/// The ciphers of OpenSSL's traditional encrypted PEM that we implement (AES in CBC mode), by
/// `DEK-Info` name.
#[derive(Debug, Clone, Copy)]
enum LegacyCipher {
    Aes128,
    Aes192,
    Aes256,
}

impl LegacyCipher {
    fn from_name(name: &str) -> Option<LegacyCipher> {
        match name.to_ascii_uppercase().as_str() {
            "AES-128-CBC" => Some(LegacyCipher::Aes128),
            "AES-192-CBC" => Some(LegacyCipher::Aes192),
            "AES-256-CBC" => Some(LegacyCipher::Aes256),
            _ => None,
        }
    }

    fn key_len(self) -> usize {
        match self {
            LegacyCipher::Aes128 => 16,
            LegacyCipher::Aes192 => 24,
            LegacyCipher::Aes256 => 32,
        }
    }
}

/// Decrypts the body of a traditional OpenSSL encrypted PEM block (`DEK-Info: <cipher>,<IV>`).
fn decrypt_legacy(
    dek_info: &str,
    ciphertext: &[u8],
    password: &str,
) -> Result<Vec<u8>, PrivateKeyError> {
    let (name, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| PrivateKeyError::MalformedPem(format!("DEK-Info {dek_info:?} has no IV")))?;
    let cipher = LegacyCipher::from_name(name.trim())
        .ok_or_else(|| PrivateKeyError::UnsupportedCipher(name.trim().to_owned()))?;
    let iv = decode_hex(iv_hex.trim())
        .filter(|iv| iv.len() == 16)
        .ok_or_else(|| {
            PrivateKeyError::MalformedPem(format!("DEK-Info IV {iv_hex:?} is not 16 hex bytes"))
        })?;
    // EVP_BytesToKey uses the first 8 bytes of the IV as the salt.
    let key = evp_bytes_to_key(password.as_bytes(), &iv[..8], cipher.key_len());
    let plain = match cipher {
        LegacyCipher::Aes128 => cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext),
        LegacyCipher::Aes192 => cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext),
        LegacyCipher::Aes256 => cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext),
    }?;
    // A wrong password usually breaks the padding, but 1 in ~256 times the padding looks
    // right; the plaintext must then still be one DER SEQUENCE to count as the key.
    if !is_der_sequence(&plain) {
        return Err(PrivateKeyError::WrongPassword);
    }
    Ok(plain)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, PrivateKeyError>
where
    C: aes::cipher::BlockDecrypt + aes::cipher::BlockCipher + aes::cipher::KeyInit,
{
    let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|e| PrivateKeyError::MalformedPem(format!("key or IV length: {e}")))?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(PrivateKeyError::MalformedPem(
            "encrypted key is not a whole number of AES blocks".to_owned(),
        ));
    }
    decryptor
        .decrypt_padded_vec_mut::<cbc::cipher::block_padding::Pkcs7>(ciphertext)
        // The length is right, so bad padding means the key (the password) is wrong.
        .map_err(|_| PrivateKeyError::WrongPassword)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one iteration, as `PEM_do_header` calls it:
/// D_1 = MD5(password ‖ salt), D_i = MD5(D_{i-1} ‖ password ‖ salt), key = D_1 ‖ D_2 ‖ … cut
/// to `len` (the IV comes from DEK-Info, so only the key is derived).
pub(crate) fn evp_bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut previous: Option<[u8; 16]> = None;
    while key.len() < len {
        let mut md5 = Md5::new();
        if let Some(previous) = &previous {
            md5.update(previous);
        }
        md5.update(password);
        md5.update(salt);
        let digest: [u8; 16] = md5.finalize().into();
        key.extend_from_slice(&digest);
        previous = Some(digest);
    }
    key.truncate(len);
    key
}

fn decrypt_pkcs8(der: &[u8], password: &str) -> Result<PrivateKeyDer<'static>, PrivateKeyError> {
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| PrivateKeyError::MalformedPem(format!("ENCRYPTED PRIVATE KEY: {e}")))?;
    let plain = info.decrypt(password).map_err(|e| match e {
        // pkcs5 0.7 reports bad padding after decryption as `EncryptFailed` (its cbc_decrypt
        // maps the unpad error so); either way the derived key, i.e. the password, is wrong.
        pkcs8::Error::EncryptedPrivateKey(
            pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed,
        ) => PrivateKeyError::WrongPassword,
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm { oid }) => {
            PrivateKeyError::UnsupportedCipher(oid.to_string())
        }
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::NoPbes1CryptSupport) => {
            PrivateKeyError::UnsupportedCipher("PBES1".to_owned())
        }
        // Decrypted (padding fine) but not DER: the password was wrong.
        pkcs8::Error::Asn1(_) => PrivateKeyError::WrongPassword,
        other => PrivateKeyError::MalformedPem(format!("ENCRYPTED PRIVATE KEY: {other}")),
    })?;
    // Same reasoning as for the traditional form: a lucky padding is not a key.
    if pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).is_err() {
        return Err(PrivateKeyError::WrongPassword);
    }
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

/// Whether `bytes` is exactly one DER SEQUENCE (tag 0x30 and a length that covers the rest).
fn is_der_sequence(bytes: &[u8]) -> bool {
    use pkcs8::der::{Decode, Tag, Tagged};
    pkcs8::der::asn1::AnyRef::from_der(bytes).is_ok_and(|any| any.tag() == Tag::Sequence)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockEncryptMut;

    /// Writes `der` as OpenSSL's traditional encrypted PEM, as `openssl ec -aes-128-cbc` does.
    pub(crate) fn legacy_encrypt(tag: &str, der: &[u8], password: &str, bits: usize) -> String {
        let iv: [u8; 16] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
        let key = evp_bytes_to_key(password.as_bytes(), &iv[..8], bits / 8);
        type Pad = cbc::cipher::block_padding::Pkcs7;
        let ciphertext = match bits {
            128 => cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
                .unwrap()
                .encrypt_padded_vec_mut::<Pad>(der),
            192 => cbc::Encryptor::<aes::Aes192>::new_from_slices(&key, &iv)
                .unwrap()
                .encrypt_padded_vec_mut::<Pad>(der),
            _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv)
                .unwrap()
                .encrypt_padded_vec_mut::<Pad>(der),
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

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -P -md md5 -pass pass:123456 -S 0102030405060708` (OpenSSL
        // 3.0) prints this key: the same derivation PEM_do_header uses.
        let key = evp_bytes_to_key(b"123456", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(
            decode_hex("FB5B65D937C09135F1B4409585E1152FA6575DEE16D0E2AD52FB8FEBF7082C73"),
            Some(key.clone())
        );
        assert_eq!(
            evp_bytes_to_key(b"123456", &[1, 2, 3, 4, 5, 6, 7, 8], 24)[..],
            key[..24]
        );
    }

    #[test]
    fn hex_and_der_helpers() {
        assert_eq!(decode_hex("00fF10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
        assert!(is_der_sequence(&[0x30, 0x03, 0x02, 0x01, 0x05]));
        assert!(!is_der_sequence(&[0x30, 0x04, 0x02, 0x01, 0x05]));
        assert!(!is_der_sequence(&[0x04, 0x00]));
    }

    #[test]
    fn legacy_errors_are_typed() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x05];
        let text = legacy_encrypt("EC PRIVATE KEY", &der, "secret", 128);
        assert_eq!(
            decode_private_key(text.as_bytes(), None),
            Err(PrivateKeyError::PasswordMissing)
        );
        assert_eq!(
            decode_private_key(text.as_bytes(), Some("")),
            Err(PrivateKeyError::PasswordMissing)
        );
        assert_eq!(
            decode_private_key(text.as_bytes(), Some("wrong")),
            Err(PrivateKeyError::WrongPassword)
        );
        assert_eq!(
            decode_private_key(text.as_bytes(), Some("secret")),
            Ok(Some(PrivateKeyDer::Sec1(der.to_vec().into())))
        );
        let des = text.replace("AES-128-CBC", "DES-EDE3-CBC");
        assert_eq!(
            decode_private_key(des.as_bytes(), Some("secret")),
            Err(PrivateKeyError::UnsupportedCipher(
                "DES-EDE3-CBC".to_owned()
            ))
        );
        let bad_iv = text.replace("AES-128-CBC,0B", "AES-128-CBC,XX");
        assert!(matches!(
            decode_private_key(bad_iv.as_bytes(), Some("secret")),
            Err(PrivateKeyError::MalformedPem(_))
        ));
        assert!(matches!(
            decode_private_key(
                b"-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
                None
            ),
            Err(PrivateKeyError::MalformedPem(_))
        ));
        assert_eq!(
            decode_private_key(
                b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
                None
            ),
            Ok(None)
        );
    }

    /// An rcgen key pair with a self-signed certificate: the PKCS#8 DER, the certificate DER.
    fn key_and_cert() -> (Vec<u8>, rustls_pki_types::CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["cp001".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (key.serialize_der(), cert.der().clone())
    }

    /// The SEC1 `ECPrivateKey` inside a PKCS#8 EC key (what `openssl ec` writes).
    fn sec1_of(pkcs8_der: &[u8]) -> Vec<u8> {
        pkcs8::PrivateKeyInfo::try_from(pkcs8_der)
            .unwrap()
            .private_key
            .to_vec()
    }

    fn pkcs8_encrypt(pkcs8_der: &[u8], password: &str) -> String {
        let (salt, iv) = ([7u8; 16], [9u8; 16]);
        // Few PBKDF2 rounds: the test checks the format, not the key stretching.
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(64, &salt, &iv).unwrap();
        let doc = pkcs8::PrivateKeyInfo::try_from(pkcs8_der)
            .unwrap()
            .encrypt_with_params(params, password)
            .unwrap();
        pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", doc.as_bytes()))
    }

    /// Whether `der` is a key rustls (ring) signs with, and the one of `cert`.
    fn matches(
        der: PrivateKeyDer<'static>,
        cert: &rustls_pki_types::CertificateDer<'static>,
    ) -> bool {
        let key = rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(der)
            .unwrap();
        rustls::sign::CertifiedKey::new(vec![cert.clone()], key)
            .keys_match()
            .is_ok()
    }

    #[test]
    fn every_form_loads_with_the_right_password_and_matches_the_certificate() {
        let (pkcs8_der, cert) = key_and_cert();
        let sec1 = sec1_of(&pkcs8_der);
        let plain_pkcs8 = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8_der.clone()));
        let plain_sec1 = pem::encode(&pem::Pem::new("EC PRIVATE KEY", sec1.clone()));
        let encrypted = [
            legacy_encrypt("EC PRIVATE KEY", &sec1, "123456", 128),
            legacy_encrypt("EC PRIVATE KEY", &sec1, "123456", 192),
            legacy_encrypt("EC PRIVATE KEY", &sec1, "123456", 256),
            pkcs8_encrypt(&pkcs8_der, "123456"),
        ];
        for text in &encrypted {
            let der = decode_private_key(text.as_bytes(), Some("123456"))
                .unwrap()
                .unwrap();
            assert!(matches(der, &cert), "{text}");
            assert_eq!(
                decode_private_key(text.as_bytes(), Some("654321")),
                Err(PrivateKeyError::WrongPassword),
                "{text}"
            );
            assert_eq!(
                decode_private_key(text.as_bytes(), None),
                Err(PrivateKeyError::PasswordMissing)
            );
        }
        // Unencrypted keys load whatever the password (EVerest passes it for every key).
        for text in [&plain_pkcs8, &plain_sec1] {
            for password in [None, Some("123456")] {
                let der = decode_private_key(text.as_bytes(), password)
                    .unwrap()
                    .unwrap();
                assert!(matches(der, &cert));
            }
        }
        // A `.pem` holding the certificate and then the key: the key is found.
        let combined = format!(
            "{}{}",
            pem::encode(&pem::Pem::new("CERTIFICATE", cert.to_vec())),
            encrypted[0]
        );
        let der = decode_private_key(combined.as_bytes(), Some("123456"))
            .unwrap()
            .unwrap();
        assert!(matches(der, &cert));
    }

    /// Runs `openssl` with `args`, feeding `input`; `None` when there is no openssl.
    fn openssl(args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
        use std::io::Write;
        let mut child = std::process::Command::new("openssl")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "openssl {args:?} failed");
        Some(out.stdout)
    }

    /// An extra check against OpenSSL itself when it is installed (the tests above stand on
    /// their own): keys it encrypts, as EVerest's scripts do, decrypt to what it decrypts.
    #[test]
    fn keys_encrypted_by_the_openssl_cli_decrypt_to_what_openssl_decrypts() {
        let Some(ec) = openssl(
            &["ecparam", "-genkey", "-name", "prime256v1", "-noout"],
            b"",
        ) else {
            eprintln!("no openssl CLI: extra check skipped");
            return;
        };
        let rsa = openssl(&["genrsa", "2048"], b"").unwrap();
        let cases: [(&[u8], &[&str]); 5] = [
            (&ec, &["ec", "-aes-128-cbc", "-passout", "pass:123456"]),
            (&ec, &["ec", "-aes256", "-passout", "pass:123456"]),
            (
                &rsa,
                &["rsa", "-traditional", "-aes192", "-passout", "pass:123456"],
            ),
            (
                &ec,
                &[
                    "pkcs8",
                    "-topk8",
                    "-v2",
                    "aes-256-cbc",
                    "-passout",
                    "pass:123456",
                ],
            ),
            (
                &rsa,
                &[
                    "pkcs8",
                    "-topk8",
                    "-v2",
                    "aes-128-cbc",
                    "-passout",
                    "pass:123456",
                ],
            ),
        ];
        for (plain_in, args) in cases {
            let encrypted = openssl(args, plain_in).unwrap();
            // OpenSSL's own decryption, in the same structure (SEC1 / PKCS#1 / PKCS#8).
            let mut back: Vec<&str> = vec![args[0], "-passin", "pass:123456"];
            if args[0] == "rsa" {
                // OpenSSL 3 writes PKCS#8 unless told otherwise.
                back.push("-traditional");
            }
            let expected = openssl(&back, &encrypted).unwrap();
            let expected = pem::parse_many(&expected).unwrap();
            let got = decode_private_key(&encrypted, Some("123456"))
                .unwrap()
                .unwrap();
            let expected_der = expected
                .iter()
                .find(|p| p.tag().ends_with("PRIVATE KEY"))
                .unwrap()
                .contents();
            assert_eq!(got.secret_der(), expected_der, "openssl {args:?}");
            assert_eq!(
                decode_private_key(&encrypted, Some("wrong")),
                Err(PrivateKeyError::WrongPassword),
                "openssl {args:?}"
            );
            rustls::crypto::ring::default_provider()
                .key_provider
                .load_private_key(got)
                .unwrap();
        }
    }
}
