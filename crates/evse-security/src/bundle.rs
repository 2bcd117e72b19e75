//! A CA bundle as libevse-security's `X509CertificateBundle` reads it: one PEM file of
//! certificates, or a directory whose `*.pem` files hold them. Whatever cannot be read (a file,
//! or one certificate of it) is reported with its path and skipped; before such a file is
//! ever rewritten, its content as read is kept at `<file>.corrupt`, so nothing unreadable is
//! lost by a write.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Skipped, StoreError};
use crate::files::{self, CERTIFICATE_MODE};
use crate::pem::{certificate_blocks, Block};
use crate::x509::Certificate;

/// One file of a bundle.
#[derive(Debug)]
pub(crate) struct BundleFile {
    path: PathBuf,
    certs: Vec<Certificate>,
    /// The file as read, when some of it could not be read: kept aside before a rewrite.
    damaged: Option<Vec<u8>>,
    /// The file exists but could not be read at all: it is never rewritten.
    unreadable: bool,
    changed: bool,
}

impl BundleFile {
    fn empty(path: PathBuf) -> BundleFile {
        BundleFile {
            path,
            certs: Vec::new(),
            damaged: None,
            unreadable: false,
            changed: false,
        }
    }

    /// Reads `path` (not there: empty). `quiet_without_certificates`: a file holding no
    /// certificate at all is not reported (a private key beside the certificates).
    fn read(
        path: &Path,
        quiet_without_certificates: bool,
        skipped: &mut Vec<Skipped>,
    ) -> BundleFile {
        let mut file = BundleFile::empty(path.to_owned());
        let mut skip = |reason: String| {
            let report = Skipped {
                path: path.to_owned(),
                reason,
            };
            tracing::warn!(%report, "certificate store: skipped");
            skipped.push(report);
        };
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return file,
            Err(e) => {
                skip(format!("cannot read it: {e}"));
                file.unreadable = true;
                return file;
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            skip("not a PEM file (not text)".to_owned());
            file.damaged = Some(bytes);
            return file;
        };
        let blocks = certificate_blocks(text);
        if blocks.is_empty() {
            if !text.trim().is_empty() && !quiet_without_certificates {
                skip("holds no PEM certificate".to_owned());
                file.damaged = Some(bytes);
            }
            return file;
        }
        let mut damaged = false;
        for block in blocks {
            match block {
                Block::Certificate(cert) => file.certs.push(*cert),
                Block::Unreadable { index, reason } => {
                    skip(format!("certificate {index} skipped: {reason}"));
                    damaged = true;
                }
            }
        }
        if damaged {
            file.damaged = Some(bytes);
        }
        file
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Its certificates, in order.
    pub(crate) fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    fn write(&mut self, remove_when_empty: bool) -> Result<(), StoreError> {
        if !self.changed {
            return Ok(());
        }
        if self.unreadable {
            return Err(StoreError::Write {
                path: self.path.clone(),
                source: io::Error::other("the file could not be read, so it is not overwritten"),
            });
        }
        if let Some(original) = self.damaged.take() {
            let mut aside = self.path.clone().into_os_string();
            aside.push(".corrupt");
            let aside = PathBuf::from(aside);
            files::write_atomically(&aside, &original, CERTIFICATE_MODE)?;
            tracing::warn!(path = %self.path.display(), kept_at = %aside.display(),
                "certificate store: the unreadable content of a file being rewritten is kept aside");
        }
        if self.certs.is_empty() && remove_when_empty {
            files::remove(&self.path)?;
        } else {
            let text: String = self.certs.iter().map(Certificate::pem).collect();
            files::write_atomically(&self.path, text.as_bytes(), CERTIFICATE_MODE)?;
        }
        self.changed = false;
        Ok(())
    }
}

/// A bundle: a PEM file, or a directory of them; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Bundle {
    path: PathBuf,
    directory: bool,
    files: Vec<BundleFile>,
    /// The prefix of the files a new certificate gets in a bundle directory (libevse-security
    /// names them `<TYPE>_ROOT_<random>.pem`).
    file_prefix: String,
}

impl Bundle {
    /// Reads the bundle at `path`: a directory when one is there, else a file (missing:
    /// empty). Skipped parts are added to `skipped`.
    pub(crate) fn read(path: &Path, file_prefix: &str, skipped: &mut Vec<Skipped>) -> Bundle {
        let mut bundle = Bundle {
            path: path.to_owned(),
            directory: path.is_dir(),
            files: Vec::new(),
            file_prefix: file_prefix.to_owned(),
        };
        if !bundle.directory {
            bundle.files.push(BundleFile::read(path, false, skipped));
            return bundle;
        }
        for file in pem_files(path, skipped) {
            bundle.files.push(BundleFile::read(&file, false, skipped));
        }
        bundle
    }

    /// Every certificate, file by file.
    pub(crate) fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.files.iter().flat_map(|f| f.certs.iter())
    }

    /// How many certificates (duplicates counted once).
    pub(crate) fn len(&self) -> usize {
        let mut seen: Vec<&Certificate> = Vec::new();
        for cert in self.certificates() {
            if !seen.contains(&cert) {
                seen.push(cert);
            }
        }
        seen.len()
    }

    /// Whether it holds `cert`.
    pub(crate) fn contains(&self, cert: &Certificate) -> bool {
        self.certificates().any(|c| c == cert)
    }

    /// Adds `cert` (a new file in a directory: `<prefix>_ROOT_<serial>.pem`).
    pub(crate) fn add(&mut self, cert: Certificate) {
        if self.directory {
            let mut name = format!("{}_ROOT_{}.pem", self.file_prefix, cert.serial());
            let mut n = 1;
            while self
                .files
                .iter()
                .any(|f| f.path.file_name() == Some(name.as_ref()))
                || self.path.join(&name).exists()
            {
                n += 1;
                name = format!("{}_ROOT_{}_{n}.pem", self.file_prefix, cert.serial());
            }
            let mut file = BundleFile::empty(self.path.join(name));
            file.certs.push(cert);
            file.changed = true;
            self.files.push(file);
        } else {
            match self.files.first_mut() {
                Some(file) => {
                    file.certs.push(cert);
                    file.changed = true;
                }
                None => {
                    let mut file = BundleFile::empty(self.path.clone());
                    file.certs.push(cert);
                    file.changed = true;
                    self.files.push(file);
                }
            }
        }
    }

    /// Removes every certificate `remove` picks; returns them.
    pub(crate) fn remove_where(
        &mut self,
        mut remove: impl FnMut(&Certificate) -> bool,
    ) -> Vec<Certificate> {
        let mut removed = Vec::new();
        for file in &mut self.files {
            let (gone, kept): (Vec<Certificate>, Vec<Certificate>) =
                std::mem::take(&mut file.certs)
                    .into_iter()
                    .partition(|c| remove(c));
            file.certs = kept;
            if !gone.is_empty() {
                file.changed = true;
                removed.extend(gone);
            }
        }
        removed
    }

    /// Removes every certificate; returns them.
    pub(crate) fn clear(&mut self) -> Vec<Certificate> {
        self.remove_where(|_| true)
    }

    /// Writes every changed file atomically. A bundle file left empty stays, empty (as
    /// libevse-security creates it); a file of a bundle directory left empty goes, and so does
    /// a side file (`remove_when_empty`).
    pub(crate) fn write(&mut self, remove_when_empty: bool) -> Result<(), StoreError> {
        let directory = self.directory;
        for file in &mut self.files {
            file.write(remove_when_empty || directory)?;
        }
        Ok(())
    }
}

/// The `*.pem` files of `dir`, sorted (an unlistable directory is reported and has none).
pub(crate) fn pem_files(dir: &Path, skipped: &mut Vec<Skipped>) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            let report = Skipped {
                path: dir.to_owned(),
                reason: format!("cannot list it: {e}"),
            };
            tracing::warn!(%report, "certificate store: skipped");
            skipped.push(report);
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pem")))
        .collect();
    files.sort();
    files
}

/// The certificates of each `*.pem` file of a leaf directory (a file without any is a key,
/// not reported), by file.
pub(crate) fn leaf_files(dir: &Path, skipped: &mut Vec<Skipped>) -> Vec<BundleFile> {
    pem_files(dir, skipped)
        .iter()
        .map(|path| BundleFile::read(path, true, skipped))
        .filter(|file| !file.certs.is_empty())
        .collect()
}
