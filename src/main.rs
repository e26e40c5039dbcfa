use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "jobcockpit=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = jobcockpit::cli::Cli::parse();
    match jobcockpit::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fejl: {e}");
            std::process::ExitCode::from(jobcockpit::cli::exit_code(&e))
        }
    }
}
