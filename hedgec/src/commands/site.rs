//! What `test`, `check` and `explain` run against: a rules file compiled on the spot, or a
//! single function as it is; and the engine that runs it.

use std::path::Path;

use anyhow::Context as _;
use clap::ValueEnum;

use crate::commands::compile;
use crate::ui::Status;

/// The engine that runs functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    /// The local runtime (boa): gives compute estimates.
    #[default]
    Boa,
    /// nginx's njs command-line interpreter (must be installed): the reference engine.
    Njs,
}

impl EngineChoice {
    /// A fresh engine.
    pub fn engine(self) -> Box<dyn cases::Engine> {
        match self {
            EngineChoice::Boa => Box::new(cases::boa::Boa::default()),
            EngineChoice::Njs => Box::new(cases::njs::Njs::default()),
        }
    }

    /// A fresh engine for `target`: njs's messages name a function file by the user's path.
    pub fn engine_for(self, target: &Path) -> Box<dyn cases::Engine> {
        match self {
            EngineChoice::Njs if is_function(target) => {
                Box::new(cases::njs::Njs { code_name: target.display().to_string(), ..cases::njs::Njs::default() })
            }
            _ => self.engine(),
        }
    }
}

/// A site under test.
pub struct Target {
    /// The viewer-request function (or the one function given).
    pub request: String,
    /// The viewer-response function, for rules with header rules.
    pub response: Option<String>,
    /// The KVS contents.
    pub kvs: cases::Kvs,
    /// The compiled rules, when the target is a rules file.
    pub compiled: Option<compile::Compiled>,
}

impl Target {
    /// The site as the simulation sees it.
    pub fn site(&self) -> cases::Site<'_> {
        cases::Site { request: &self.request, response: self.response.as_deref(), kvs: &self.kvs }
    }
}

/// Whether a path names a function rather than rules.
pub fn is_function(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "js")
}

/// Compiles `path` (or reads a function), printing diagnostics. `Err(status)` when the input
/// cannot be used.
pub fn load(path: &Path, kvs_file: Option<&Path>) -> anyhow::Result<Result<Target, Status>> {
    if is_function(path) {
        let code = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let kvs = match kvs_file {
            Some(file) => match read_kvs(file)? {
                Ok(kvs) => kvs,
                Err(status) => return Ok(Err(status)),
            },
            None => cases::Kvs::new(),
        };
        return Ok(Ok(Target { request: code, response: None, kvs, compiled: None }));
    }
    let compiled = match compile::load(path, crate::ui::SHOWN_WARNINGS)? {
        Ok(compiled) => compiled,
        Err(status) => return Ok(Err(status)),
    };
    Ok(Target::from_compiled(compiled))
}

impl Target {
    /// The site of compiled rules; `Err` when an entry cannot be stored in the KVS (reported
    /// already), as such a site cannot run.
    pub fn from_compiled(compiled: compile::Compiled) -> Result<Target, Status> {
        if compiled.output.diagnostics.iter().any(|d| d.code == rules_dsl::Code::KvsEntryTooLarge) {
            return Err(Status::Error);
        }
        let kvs = compiled.output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        Ok(Target {
            request: compiled.output.request.clone(),
            response: compiled.output.response.clone(),
            kvs,
            compiled: Some(compiled),
        })
    }
}

/// Reads a KVS file in AWS's import format; malformed input is reported with its position.
pub fn read_kvs(path: &Path) -> anyhow::Result<Result<cases::Kvs, Status>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match runtime_js::input::kvs(&text) {
        Ok(store) => Ok(Ok(store.data().clone())),
        Err(diagnostic) => Ok(Err(crate::ui::input_error(diagnostic, path, &text))),
    }
}
