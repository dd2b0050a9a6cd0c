use super::{CliError, CliResult, Context};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (default from configuration: 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// Load the demo organisation first if the installation has no organisation yet.
    #[arg(long)]
    demo: bool,
    /// Records in the demo organisation (with --demo).
    #[arg(long, default_value_t = 5_000)]
    demo_records: u64,
}

pub async fn run(cx: &Context, args: Args) -> CliResult {
    let staff = cx.config.staff_config()?;
    let proxies = cx.config.trusted_proxies()?;
    let meta_webhook = cx.config.meta_webhook()?;
    let youtube_websub = cx.config.youtube_websub()?;
    let linkedin_webhook = cx.config.linkedin_webhook()?;
    let x_webhook = cx.config.x_webhook()?;
    let smtp = cx.config.smtp()?;
    // the case action registers in the diary and forwards through the e-mail outbox
    // every organisation's own screening rules, checked before anything starts
    let mut app = cx
        .open_screening()
        .await?
        .with_case_desk(std::sync::Arc::new(
            insyn_app::case_desk::DiaryCaseDesk::new(staff.public_url.clone()),
        ));
    if let Some(meta) = meta_webhook {
        app = app.with_meta_webhook(meta);
    }
    if let Some(youtube) = youtube_websub {
        app = app.with_youtube_websub(youtube);
    }
    if let Some(linkedin) = linkedin_webhook {
        app = app.with_linkedin_webhook(linkedin);
    }
    if let Some(x) = x_webhook {
        app = app.with_x_webhook(x);
    }
    if let Some(smtp) = &smtp {
        app = app.with_smtp(smtp)?;
    }
    if args.demo && app.organisations().await?.is_empty() {
        let opts = insyn_app::demo::DemoOptions {
            records: args.demo_records,
            ..Default::default()
        };
        let report = insyn_app::demo::load(&app, &opts, &crate::progress::Bar::new()).await?;
        super::demo::print_report(&report);
    }
    let listen = args.listen.unwrap_or_else(|| cx.config.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        CliError::Io(format!(
            "cannot listen on {listen}: {e}; is another program using the port? (use --listen)"
        ))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Io(e.to_string()))?;
    println!(
        "Insyn kör på http://{addr}/  (personal: http://{addr}/logga-in, API: http://{addr}/api/openapi.json, stoppa med Ctrl+C)"
    );

    // Changes made by other processes (capture, CLI) reach the search index, and received items
    // are screened, within a second.
    let syncing = app.clone();
    let sync_task = tokio::spawn(async move {
        let mut tick: u64 = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tick += 1;
            // the portal's release policy, once a minute (issue 6)
            if tick % 60 == 1
                && let Err(e) = syncing.apply_release_policies().await
            {
                tracing::warn!(error = %e, "applying the release policy failed; retrying");
            }
            if let Err(e) = syncing.sync_search().await {
                tracing::warn!(error = %e, "search index update failed; retrying");
            }
            if let Err(e) = syncing.screen_pending().await {
                tracing::warn!(error = %e, "screening failed; retrying");
            }
        }
    });
    // The capture scheduler: every connected account whose next capture is due (R2.3, R2.5).
    let capturing = app.clone();
    let capture_task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            match capturing.capture_due(chrono::Utc::now(), 20).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(accounts = n, "captured"),
                Err(e) => tracing::warn!(error = %e, "the capture scheduler failed; retrying"),
            }
            // accounts waiting for a reconnect are not captured; their alerts (and mails)
            // still repeat and escalate
            if let Err(e) = capturing.repeat_capture_alerts(chrono::Utc::now()).await {
                tracing::warn!(error = %e, "repeating capture alerts failed; retrying");
            }
        }
    });
    // Scheduled archive deliveries (R8.1): at start, then every `archive.every_hours`, in a task
    // of their own (the builder works on blocking threads), so capture never waits for them.
    let delivery_task = cx.config.archive.deliver_to.clone().map(|dest| {
        let delivering = app.clone();
        let options = cx.config.archive.export_options();
        let every = Duration::from_secs(cx.config.archive.every_hours.max(1) * 3600);
        tokio::spawn(async move {
            loop {
                match delivering
                    .deliver_scheduled(&dest, &options, chrono::Utc::now())
                    .await
                {
                    Ok(runs) => {
                        for (org, status) in runs {
                            if status.ok {
                                tracing::info!(org = %org, delivered = status.delivered, "scheduled delivery");
                            } else {
                                tracing::error!(org = %org, error = status.error.as_deref().unwrap_or(""), "scheduled delivery failed; see leveransstatus.json and insyn deliveries list");
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "scheduled deliveries could not run"),
                }
                tokio::time::sleep(every).await;
            }
        })
    });
    // The e-mail sender: whatever the outbox holds that is due (issues 5, 6; docs/DIARY.md).
    let mailing = app.clone();
    let mail_task = tokio::spawn(async move {
        if !mailing.mail_configured() {
            tracing::info!("no [smtp] configured: e-mail waits in the outbox");
            return;
        }
        loop {
            match mailing.send_due_mail(chrono::Utc::now()).await {
                Ok(r) if r.sent + r.retrying + r.failed > 0 => {
                    tracing::info!(
                        sent = r.sent,
                        retrying = r.retrying,
                        failed = r.failed,
                        "e-mail outbox"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the e-mail sender failed; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    let result = insyn_web::serve_behind(app, staff, proxies, listener, shutdown_signal()).await;
    sync_task.abort();
    capture_task.abort();
    mail_task.abort();
    if let Some(t) = delivery_task {
        t.abort();
    }
    result.map_err(|e| CliError::Io(format!("the server stopped: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
