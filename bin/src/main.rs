//! The `beacon-sync` binary: the command line only; everything it runs is in the `node`
//! crate.
//!
//! Exit codes: 0 success; 1 a failure while running (a sync that failed, a data
//! directory in use, a port in use, a bad file); 2 bad command-line arguments (clap).

mod cli;
mod commands;
mod settings;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line: the error and its causes, outermost first.
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
