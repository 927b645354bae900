//! `hedgec`: compile, run, test and deploy CloudFront Functions from hedge rules.

mod cli;
mod commands;
mod ui;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let status = match commands::run(cli) {
        Ok(status) => status,
        Err(error) => {
            ui::error(&error);
            ui::Status::Error
        }
    };
    ExitCode::from(status as u8)
}
