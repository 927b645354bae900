//! Infrastructure as code for a compiled site: `hedgec export terraform|cloudformation|cdk`.
//!
//! [`export`] takes what `hedgec compile` produced (the functions' code and the KVS data) and
//! renders it with the minijinja templates in `templates/`: a Terraform file, a CloudFormation
//! template with the store's import file beside it, or a CDK construct in TypeScript.
//!
//! Every value reaches a template's output through one of the [`escape`] functions: the
//! environment's formatter prints strings only as complete literals of the target language, so a
//! template cannot print a user's text raw (see [`render`]).
//!
//! **Apply safety.** A KeyValueStore's import source cannot change after creation, so new data
//! always goes into a new store, named and identified by a hash of the data
//! ([`data_hash`]); the functions move to it in the same update, after it holds its keys, and the
//! old store outlives the move. Code changes alone keep the store. `docs/export.md` gives the
//! argument for each target.
//!
//! The library does no IO; equal input gives byte-identical files.

pub mod escape;
mod render;

use sha2::{Digest as _, Sha256};

/// What to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One Terraform file, `hedgec.tf`.
    Terraform,
    /// `template.yaml` and the store's import file `kvs-HASH.json`.
    CloudFormation,
    /// A CDK construct, `hedgec-site.ts`.
    Cdk,
}

/// One CloudFront function of the site.
#[derive(Clone, Debug)]
pub struct Function {
    /// The default name (a variable or parameter in the output).
    pub name: String,
    /// The code, exactly as `hedgec compile` writes it.
    pub code: String,
    /// Whether the code reads the KeyValueStore (and so must be associated with it).
    pub reads_store: bool,
}

/// A compiled site.
#[derive(Clone, Debug)]
pub struct Site {
    /// The rules file's name, for the header comment.
    pub source: String,
    /// The viewer-request function.
    pub request: Function,
    /// The viewer-response function, when there are header rules.
    pub response: Option<Function>,
    /// The KVS entries, sorted by key.
    pub entries: Vec<(String, String)>,
    /// The entries in CloudFront's import format: the bytes of `kvs.json`.
    pub import_file: String,
    /// The default name of the store, before `-HASH`.
    pub store_name: String,
}

/// A file to write, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The file's name.
    pub name: String,
    /// Its contents.
    pub contents: String,
}

/// CloudFront's and CloudFormation's limits that an export is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A function's code, in bytes.
    pub function_bytes: usize,
    /// The store's data (keys and values) and its import file, in bytes.
    pub store_bytes: usize,
    /// A CloudFormation template uploaded through S3, in bytes.
    pub template_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            function_bytes: platform::MAX_FUNCTION_BYTES,
            store_bytes: platform::MAX_KVS_STORE_BYTES,
            template_bytes: MAX_TEMPLATE_BYTES,
        }
    }
}

/// CloudFormation's limit on a template body read from S3.
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

/// CloudFormation's limit on a template body passed inline; larger templates go through S3.
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// Terraform's batch of keys per `UpdateKeys` call: CloudFront's limit of 50 keys.
pub const MAX_BATCH_SIZE: u32 = 50;

/// Hex digits of the data hash in store names and logical ids.
pub const HASH_DIGITS: usize = 12;

/// The longest store name the user chooses: CloudFront allows 64 characters, and `-HASH` follows.
pub const MAX_STORE_PREFIX: usize = 64 - 1 - HASH_DIGITS;

/// Why nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The hash that names a version of the data: the first [`HASH_DIGITS`] hex digits of the
/// SHA-256 of the import file.
pub fn data_hash(import_file: &str) -> String {
    let digest = Sha256::digest(import_file.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect::<String>()[..HASH_DIGITS].to_string()
}

/// The name of the import file beside a CloudFormation template.
pub fn import_file_name(hash: &str) -> String {
    format!("kvs-{hash}.json")
}

/// Renders the files of one target, after checking every limit. Nothing is returned (and so
/// nothing is written) when a limit is exceeded.
pub fn export(site: &Site, target: Target, limits: &Limits) -> Result<Vec<File>, Error> {
    check_site(site, limits)?;
    let hash = data_hash(&site.import_file);
    let files = match target {
        Target::Terraform => vec![File { name: "hedgec.tf".into(), contents: render::terraform(site, &hash)? }],
        Target::CloudFormation => {
            let template = render::cloudformation(site, &hash)?;
            if template.len() > limits.template_bytes {
                return Err(Error(format!(
                    "the CloudFormation template would be {} bytes, over CloudFormation's limit of {} bytes",
                    template.len(),
                    limits.template_bytes
                )));
            }
            let mut files = vec![File { name: "template.yaml".into(), contents: template }];
            if has_store(site) {
                files.push(File { name: import_file_name(&hash), contents: site.import_file.clone() });
            }
            files
        }
        Target::Cdk => vec![File { name: "hedgec-site.ts".into(), contents: render::cdk(site, &hash)? }],
    };
    Ok(files)
}

/// Whether the site needs a store: it has data.
fn has_store(site: &Site) -> bool {
    !site.entries.is_empty()
}

fn check_site(site: &Site, limits: &Limits) -> Result<(), Error> {
    for function in std::iter::once(&site.request).chain(&site.response) {
        if function.code.len() > limits.function_bytes {
            return Err(Error(format!(
                "the function {} is {} bytes, over CloudFront's limit of {} bytes",
                function.name,
                function.code.len(),
                limits.function_bytes
            )));
        }
        check_name(&function.name, 64, "function")?;
    }
    check_name(&site.store_name, MAX_STORE_PREFIX, "KeyValueStore")?;
    let data_bytes: usize = site.entries.iter().map(|(k, v)| k.len() + v.len()).sum();
    let largest = data_bytes.max(site.import_file.len());
    if has_store(site) && largest > limits.store_bytes {
        return Err(Error(format!(
            "the KeyValueStore's import file would be {} bytes, over CloudFront's limit of {} bytes for a store",
            site.import_file.len(),
            limits.store_bytes
        )));
    }
    Ok(())
}

fn check_name(name: &str, max: usize, what: &str) -> Result<(), Error> {
    let valid =
        (1..=max).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(Error(format!("the {what} name {name:?} is not 1 to {max} letters, digits, hyphens and underscores")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(code: &str, entries: usize) -> Site {
        let entries: Vec<(String, String)> = (0..entries).map(|i| (format!("k{i:05}"), "v".repeat(100))).collect();
        let import_file = format!("{{\"data\":[{}]}}\n", entries.len());
        Site {
            source: "site.hedge".into(),
            request: Function { name: "site-request".into(), code: code.into(), reads_store: true },
            response: None,
            entries,
            import_file,
            store_name: "site-data".into(),
        }
    }

    #[test]
    fn every_limit_is_an_error_before_anything_is_rendered() {
        let limits = Limits::default();
        let big = site(&"x".repeat(platform::MAX_FUNCTION_BYTES + 1), 1);
        assert!(export(&big, Target::Terraform, &limits).unwrap_err().0.contains("over CloudFront's limit of 10240"));
        let small = site("function handler(e) { return e.request; }", 100);
        let tight = Limits { store_bytes: 1000, ..limits };
        assert!(export(&small, Target::Cdk, &tight).unwrap_err().0.contains("for a store"));
        let tiny_template = Limits { template_bytes: 100, ..limits };
        let error = export(&small, Target::CloudFormation, &tiny_template).unwrap_err();
        assert!(error.0.contains("over CloudFormation's limit of 100 bytes"), "{error}");
        let mut long_name = small.clone();
        long_name.store_name = "s".repeat(MAX_STORE_PREFIX + 1);
        assert!(export(&long_name, Target::Terraform, &limits).is_err());
    }

    #[test]
    fn the_store_follows_the_data_and_exists_only_with_data() {
        let with = export(&site("c", 2), Target::CloudFormation, &Limits::default()).unwrap();
        assert_eq!(with.len(), 2, "the template and its import file");
        assert_eq!(with[1].name, import_file_name(&data_hash(&site("c", 2).import_file)));
        let without = export(&site("c", 0), Target::CloudFormation, &Limits::default()).unwrap();
        assert_eq!(without.len(), 1);
        assert!(!without[0].contents.contains("KeyValueStore\""));
        assert_ne!(data_hash("{\"data\":[]}\n"), data_hash("{\"data\":[1]}\n"));
        assert_eq!(data_hash("x").len(), HASH_DIGITS);
    }
}
