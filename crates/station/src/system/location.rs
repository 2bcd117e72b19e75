//! File locations as OCPP carries them: `ftp://user:password@host:port/dir/file`,
//! `http://host/path?query`, `https://...`.
//!
//! A small parser of our own rather than the `url` crate: only these three schemes matter, and
//! `url` brings IDNA and its Unicode tables into the build for host names a station never sees.

use std::fmt;

use super::error::TransferError;

/// The schemes a transfer can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `ftp://` (plain FTP, passive mode).
    Ftp,
    /// `http://`.
    Http,
    /// `https://` (certificates verified).
    Https,
    /// `file:///path`: a local file, copied (for tests and a station's own USB stick; the
    /// simulated runtime accepted it before real transfers existed).
    File,
}

impl Scheme {
    /// Every scheme, with its name in SupportedFileTransferProtocols (OCPP 1.6 names FTP,
    /// FTPS, HTTP and HTTPS; `FILE` is ferrocharge's, for file://).
    pub const PROTOCOLS: [(&'static str, Scheme); 4] = [
        ("FTP", Scheme::Ftp),
        ("HTTP", Scheme::Http),
        ("HTTPS", Scheme::Https),
        ("FILE", Scheme::File),
    ];

    /// Its name in SupportedFileTransferProtocols.
    pub fn protocol(self) -> &'static str {
        Self::PROTOCOLS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(name, _)| name)
    }

    /// The scheme a SupportedFileTransferProtocols entry names (ignoring ASCII case), if the
    /// station has a client for it (FTPS: none).
    pub fn from_protocol(name: &str) -> Option<Scheme> {
        Self::PROTOCOLS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(_, s)| *s)
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Ftp => 21,
            Scheme::Http => 80,
            Scheme::Https => 443,
            Scheme::File => 0,
        }
    }
}

/// A parsed location.
#[derive(Clone, PartialEq, Eq)]
pub struct Location {
    /// The scheme.
    pub scheme: Scheme,
    /// The user name, percent-decoded, when the URL has one.
    pub user: Option<String>,
    /// The password, percent-decoded, when the URL has one.
    pub password: Option<String>,
    /// The host name or IP address (IPv6 without its brackets).
    pub host: String,
    /// The port (the scheme's default when the URL names none).
    pub port: u16,
    /// The path as written in the URL (still percent-encoded), starting with `/`.
    pub path: String,
    /// The query without its `?`, when there is one.
    pub query: Option<String>,
}

// Never print the password: locations end up in logs.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({})", self.redacted())
    }
}

impl Location {
    /// Parses `url`; refuses other schemes and URLs without a host.
    pub fn parse(url: &str) -> Result<Self, TransferError> {
        let bad = |problem: &str| TransferError::BadLocation {
            location: redact(url),
            problem: problem.to_owned(),
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "ftp" => Scheme::Ftp,
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "file" => {
                // file:///path or file://localhost/path; no other host is local.
                let path = rest.strip_prefix("localhost").unwrap_or(rest);
                if !path.starts_with('/') {
                    return Err(bad("a file:// location needs an absolute path"));
                }
                return Ok(Location {
                    scheme: Scheme::File,
                    user: None,
                    password: None,
                    host: String::new(),
                    port: 0,
                    path: path.to_owned(),
                    query: None,
                });
            }
            _ => return Err(bad("the scheme is not ftp, http, https or file")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        // The password may itself hold '@' when its owner did not encode it: the last '@' ends it.
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(percent_decode(user)), Some(percent_decode(pass))),
                None => (Some(percent_decode(u)), None),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (tail, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(Location {
            scheme,
            user,
            password,
            host: host.to_owned(),
            port,
            path: path.to_owned(),
            query,
        })
    }

    /// The last path segment, percent-decoded (empty when the path ends with `/`).
    pub fn file_name(&self) -> String {
        percent_decode(self.path.rsplit('/').next().unwrap_or_default())
    }

    /// The path and query as sent in an HTTP request line.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The local path of a `file://` location (percent-decoded).
    pub fn local_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(percent_decode(&self.path))
    }

    /// `host` or `host:port` as an HTTP `Host` header says it.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// This location with `segment` (percent-encoded here) appended as a file in its folder:
    /// after the path when it ends with `/`, else after an added `/`.
    pub fn join_file(&self, segment: &str) -> Location {
        let mut out = self.clone();
        if !out.path.ends_with('/') {
            out.path.push('/');
        }
        out.path.push_str(&percent_encode_segment(segment));
        out.query = None;
        out
    }

    /// The URL with the password replaced by `***`, for logs and errors.
    pub fn redacted(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Ftp => "ftp",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::File => return format!("file://{}", self.path),
        };
        let user = match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        format!(
            "{scheme}://{user}{}{}",
            self.host_header(),
            self.path_and_query()
        )
    }
}

/// `url` with any password replaced by `***` (also for URLs that do not parse).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

/// Decodes `%XX` escapes; a malformed escape stays as written (lenient, like curl).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes everything but RFC 3986's unreserved characters, for one path segment.
fn percent_encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ftp_with_credentials() {
        let l = Location::parse("ftp://user:p%40ss@example.org:2121/dir/fw.bin").unwrap();
        assert_eq!(l.scheme, Scheme::Ftp);
        assert_eq!(l.user.as_deref(), Some("user"));
        assert_eq!(l.password.as_deref(), Some("p@ss"));
        assert_eq!(l.host, "example.org");
        assert_eq!(l.port, 2121);
        assert_eq!(l.path, "/dir/fw.bin");
        assert_eq!(l.file_name(), "fw.bin");
        assert_eq!(l.redacted(), "ftp://user:***@example.org:2121/dir/fw.bin");
    }

    #[test]
    fn parses_http_defaults_and_ipv6() {
        let l = Location::parse("HTTP://[::1]/a?b=c").unwrap();
        assert_eq!(
            (l.scheme, l.host.as_str(), l.port),
            (Scheme::Http, "::1", 80)
        );
        assert_eq!(l.path_and_query(), "/a?b=c");
        assert_eq!(l.host_header(), "[::1]");
        let l = Location::parse("https://h:8443").unwrap();
        assert_eq!((l.port, l.path.as_str()), (8443, "/"));
        assert_eq!(l.host_header(), "h:8443");
    }

    #[test]
    fn refuses_bad_locations() {
        for bad in [
            "sftp://h/x",
            "h/x",
            "ftp:///x",
            "http://h:port/x",
            "file://host/x",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
        let e = Location::parse("gopher://u:secret@h/")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn parses_file_locations() {
        for url in [
            "file:///tmp/a%20b/fw.bin",
            "file://localhost/tmp/a%20b/fw.bin",
        ] {
            let l = Location::parse(url).unwrap();
            assert_eq!(
                (l.scheme, l.path.as_str()),
                (Scheme::File, "/tmp/a%20b/fw.bin")
            );
            assert_eq!(l.local_path(), std::path::PathBuf::from("/tmp/a b/fw.bin"));
        }
    }

    #[test]
    fn joins_a_file_name() {
        let l = Location::parse("ftp://h/up").unwrap();
        assert_eq!(l.join_file("a b.tar.gz").path, "/up/a%20b.tar.gz");
        let l = Location::parse("http://h/up/?x=1").unwrap();
        assert_eq!(l.join_file("d.tar.gz").path_and_query(), "/up/d.tar.gz");
    }

    #[test]
    fn decodes_leniently() {
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
    }
}
