//! One module per command; each turns parsed arguments into calls to the library crates.

pub mod check;
pub mod compile;
pub mod deploy;
pub mod dev;
pub mod explain;
pub mod export;
pub mod import;
pub mod run;
pub mod site;
pub mod test;

use crate::cli::{Cli, Command};
use crate::ui::Status;

/// Runs the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Deploy(args) => deploy::run(&args),
        Command::Dev(args) => dev::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::run(&args),
    }
}
