//! The public side, no sign-in: the request form (`/org/{slug}/begaran`, optionally
//! `?handling={id}`), the receipt with the request number, due date and — once decided — the
//! decision and the copy (`/org/{slug}/begaran/kvitto/{token}`), its PDF, and the PDF copy of a
//! released record (`/org/{slug}/handling/{id}/kopia.pdf`).
//!
//! The form has no session, so it is protected by a double-submit token (a random value in a
//! SameSite=Strict cookie and in a hidden field, which must match), the Origin/Sec-Fetch-Site
//! check of the staff forms, a honeypot field people never fill in, a 16 KiB body limit and a
//! per-client rate limit.
use super::limit::RateLimit;
use crate::AppState;
use crate::staff::StaffConfig;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use insyn_app::{AppError, Receipt};
use insyn_domain::*;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Posts of the request form one client may make per window.
pub const POSTS_PER_WINDOW: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(600);
/// The largest form body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;
const FORM_COOKIE: &str = "insyn_begaran";
const HONEYPOT: &str = "webbplats";

#[derive(Clone)]
pub struct PublicState {
    app: AppState,
    config: Arc<StaffConfig>,
    limit: Arc<RateLimit>,
}

pub fn routes(app: AppState, config: Arc<StaffConfig>) -> Router {
    let state = PublicState {
        app,
        config,
        limit: Arc::new(RateLimit::new(POSTS_PER_WINDOW, WINDOW)),
    };
    Router::new()
        .route(
            "/org/{slug}/begaran",
            get(form)
                .post(submit)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/org/{slug}/begaran/kvitto/{token}", get(receipt))
        .route(
            "/org/{slug}/begaran/kvitto/{token}/kopia.pdf",
            get(receipt_pdf),
        )
        .route("/org/{slug}/handling/{id}/kopia.pdf", get(record_pdf))
        .with_state(state)
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    handling: String,
}

fn english(q: &str) -> bool {
    q == "en"
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/public_error.html")]
struct ErrorPage {
    sv: bool,
    title: String,
    message: String,
}

fn error_page(sv: bool, status: StatusCode, title: &str, message: String) -> Response {
    let mut resp = (
        status,
        ErrorPage {
            sv,
            title: title.to_string(),
            message,
        },
    )
        .into_response();
    secure(resp.headers_mut());
    resp
}

fn app_error(sv: bool, e: AppError) -> Response {
    match e {
        AppError::NotFound(m) => error_page(
            sv,
            StatusCode::NOT_FOUND,
            if sv { "Hittades inte" } else { "Not found" },
            if sv {
                format!("Det du söker finns inte ({m}).")
            } else {
                format!("What you asked for does not exist ({m}).")
            },
        ),
        AppError::Invalid { field, reason } => error_page(
            sv,
            StatusCode::BAD_REQUEST,
            if sv {
                "Felaktiga uppgifter"
            } else {
                "Invalid input"
            },
            if sv {
                format!("Fältet {field} är fel: {reason}")
            } else {
                format!("The field {field} is wrong: {reason}")
            },
        ),
        other => {
            tracing::error!(error = %other, "public request page");
            error_page(
                sv,
                StatusCode::INTERNAL_SERVER_ERROR,
                if sv {
                    "Ett fel uppstod"
                } else {
                    "An error occurred"
                },
                if sv {
                    "Ett internt fel uppstod; försök igen senare.".into()
                } else {
                    "An internal error occurred; please try again later.".into()
                },
            )
        }
    }
}

/// Security headers for every public request page: no framing, no sniffing, no caching, and no
/// referrer (the receipt address holds its token).
fn secure(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/form.html")]
struct FormPage {
    sv: bool,
    org: Organisation,
    record: Option<RecordId>,
    token: String,
    error: Option<String>,
    description: String,
    name: String,
    email: String,
}

fn new_form_token() -> String {
    use rand::RngCore;
    let mut buf = [0u8; 24];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn form_response(status: StatusCode, page: FormPage) -> Response {
    let cookie = format!(
        "{FORM_COOKIE}={}; Path=/org/; HttpOnly; SameSite=Strict; Max-Age=7200",
        page.token
    );
    let mut resp = (status, page).into_response();
    secure(resp.headers_mut());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A record id from a form or a path: `Err` holds the message for a 400.
fn parse_record_id(sv: bool, text: &str) -> Result<Option<RecordId>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| Some(RecordId(n)))
        .ok_or_else(|| {
            if sv {
                format!(
                    "'{}' är inget handlings-id (ett positivt heltal).",
                    truncate(t)
                )
            } else {
                format!(
                    "'{}' is not a record id (a positive whole number).",
                    truncate(t)
                )
            }
        })
}

fn bad_id(sv: bool, message: String) -> Response {
    error_page(
        sv,
        StatusCode::BAD_REQUEST,
        if sv { "Felaktigt id" } else { "Invalid id" },
        message,
    )
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// GET /org/{slug}/begaran
pub async fn form(
    State(state): State<PublicState>,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let sv = !english(&q.lang);
    let app = &state.app.app;
    let org = match app.organisation(&slug).await {
        Ok(o) => o,
        Err(e) => return app_error(sv, e),
    };
    let record = match parse_record_id(sv, &q.handling) {
        Ok(r) => r,
        Err(m) => return bad_id(sv, m),
    };
    if let Some(id) = record
        && app.store.get_record(org.id, id).await.is_err()
    {
        return app_error(
            sv,
            AppError::NotFound(format!("{} has no record {id}", org.name)),
        );
    }
    form_response(
        StatusCode::OK,
        FormPage {
            sv,
            org,
            record,
            token: new_form_token(),
            error: None,
            description: String::new(),
            name: String::new(),
            email: String::new(),
        },
    )
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// POST /org/{slug}/begaran
pub async fn submit(
    State(state): State<PublicState>,
    Path(slug): Path<String>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let fields = crate::staff::pages::form_fields(&body);
    let field = |n: &str| crate::staff::pages::field(&fields, n).to_string();
    let sv = !english(&field("lang"));
    let client = connect.map_or_else(|| "unknown".to_string(), |c| c.0.0.ip().to_string());
    if let Err(wait) = state.limit.hit(&client, Instant::now()) {
        let mut resp = error_page(
            sv,
            StatusCode::TOO_MANY_REQUESTS,
            if sv {
                "För många begäranden"
            } else {
                "Too many requests"
            },
            if sv {
                format!(
                    "Du har skickat fler än {POSTS_PER_WINDOW} begäranden på {} minuter. Vänta {} minuter och försök igen, eller kontakta myndigheten direkt.",
                    WINDOW.as_secs() / 60,
                    wait.div_ceil(60)
                )
            } else {
                format!(
                    "You have sent more than {POSTS_PER_WINDOW} requests in {} minutes. Wait {} minutes and try again, or contact the authority directly.",
                    WINDOW.as_secs() / 60,
                    wait.div_ceil(60)
                )
            },
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    if !crate::staff::csrf::same_origin(&headers, &state.config) {
        return error_page(
            sv,
            StatusCode::FORBIDDEN,
            if sv {
                "Formuläret kom från en annan webbplats"
            } else {
                "The form came from another site"
            },
            if sv {
                "Begäran kan bara skickas med formuläret på den här webbplatsen.".into()
            } else {
                "A request can only be sent with the form on this site.".into()
            },
        );
    }
    let sent = field("formtoken");
    let ok = cookie_value(&headers, FORM_COOKIE)
        .is_some_and(|c| !sent.is_empty() && bool::from(c.as_bytes().ct_eq(sent.as_bytes())));
    if !ok {
        return error_page(
            sv,
            StatusCode::FORBIDDEN,
            if sv {
                "Formuläret har gått ut"
            } else {
                "The form has expired"
            },
            if sv {
                "Formuläret saknar sin kontrollkod (kakor avstängda, eller formuläret är för gammalt). Ladda om formuläret och skicka igen.".into()
            } else {
                "The form lacks its check code (cookies off, or the form is too old). Reload the form and send it again.".into()
            },
        );
    }
    if !field(HONEYPOT).is_empty() {
        return error_page(
            sv,
            StatusCode::BAD_REQUEST,
            if sv {
                "Begäran kunde inte tas emot"
            } else {
                "The request could not be received"
            },
            if sv {
                "Lämna fältet ”Webbplats” tomt; det är till för att stoppa automatiska utskick."
                    .into()
            } else {
                "Leave the field “Website” empty; it is there to stop automated posts.".into()
            },
        );
    }
    let app = &state.app.app;
    let org = match app.organisation(&slug).await {
        Ok(o) => o,
        Err(e) => return app_error(sv, e),
    };
    let record = match parse_record_id(sv, &field("handling")) {
        Ok(r) => r,
        Err(m) => return bad_id(sv, m),
    };
    let new = NewRequest {
        record_id: record,
        description: field("beskrivning"),
        requester_name: Some(field("namn")),
        requester_email: Some(field("epost")),
    };
    match app.file_request(&slug, &new).await {
        Ok((request, token)) => {
            tracing::info!(number = %request.number, "request for public records received");
            let lang = if sv { "" } else { "?lang=en" };
            let mut resp =
                Redirect::to(&format!("/org/{slug}/begaran/kvitto/{token}{lang}")).into_response();
            secure(resp.headers_mut());
            resp
        }
        Err(AppError::Invalid { field: f, reason }) => {
            let message = if sv {
                match f.as_str() {
                    "description" => format!("Beskriv vilka handlingar du vill ta del av ({reason})."),
                    "email" => "E-postadressen ser inte ut som en e-postadress; rätta den eller lämna fältet tomt.".into(),
                    "name" => "Namnet får vara högst 200 tecken.".into(),
                    _ => format!("{f}: {reason}"),
                }
            } else {
                format!("{f}: {reason}")
            };
            form_response(
                StatusCode::BAD_REQUEST,
                FormPage {
                    sv,
                    org,
                    record,
                    token: new_form_token(),
                    error: Some(message),
                    description: field("beskrivning"),
                    name: field("namn"),
                    email: field("epost"),
                },
            )
        }
        Err(e) => app_error(sv, e),
    }
}

/// One line of the withheld log as the requester sees it.
pub struct WithheldLine {
    pub reason: String,
    pub law: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/receipt.html")]
struct ReceiptPage {
    sv: bool,
    r: Receipt,
    state: &'static str,
    received: String,
    pdf: String,
    withheld: Vec<WithheldLine>,
    copy_meta: Vec<(&'static str, String)>,
}

/// GET /org/{slug}/begaran/kvitto/{token}
pub async fn receipt(
    State(state): State<PublicState>,
    Path((slug, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Response {
    let sv = !english(&q.lang);
    let r = match state.app.app.receipt(&slug, &token).await {
        Ok(r) => r,
        Err(e) => return app_error(sv, e),
    };
    let copy_meta = r
        .copy
        .as_ref()
        .map(|c| {
            vec![
                ("Organisation", c.organisation.name.clone()),
                (
                    if sv { "Konto" } else { "Account" },
                    format!(
                        "{} ({})",
                        c.account.handle,
                        c.account.platform.display_name()
                    ),
                ),
                (
                    if sv { "Riktning" } else { "Direction" },
                    if sv {
                        c.record.direction.swedish().to_string()
                    } else {
                        c.record.direction.as_str().to_string()
                    },
                ),
                (
                    if sv {
                        "Tillgänglig för myndigheten"
                    } else {
                        "Available to the authority"
                    },
                    crate::staff::pages::local_time(c.record.available_at),
                ),
                (
                    if sv { "Handlingens id" } else { "Record id" },
                    c.record.id.to_string(),
                ),
                ("Version", c.version.to_string()),
                ("SHA-256", c.text_sha256.clone()),
            ]
        })
        .unwrap_or_default();
    let page = ReceiptPage {
        sv,
        state: if sv {
            r.request.state.swedish()
        } else {
            r.request.state.english()
        },
        received: crate::staff::pages::local_time(r.request.received_at),
        pdf: format!(
            "/org/{slug}/begaran/kvitto/{token}/kopia.pdf{}",
            if sv { "" } else { "?lang=en" }
        ),
        withheld: r
            .withheld
            .iter()
            .map(|w| WithheldLine {
                reason: w.reason.clone(),
                law: w.law.clone(),
            })
            .collect(),
        copy_meta,
        r,
    };
    let mut resp = page.into_response();
    secure(resp.headers_mut());
    resp
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut resp = (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response();
    secure(resp.headers_mut());
    resp
}

/// GET /org/{slug}/begaran/kvitto/{token}/kopia.pdf
pub async fn receipt_pdf(
    State(state): State<PublicState>,
    Path((slug, token)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Response {
    let sv = !english(&q.lang);
    match state.app.app.receipt_pdf(&slug, &token, !sv).await {
        Ok(bytes) => pdf_response(bytes, "kopia.pdf"),
        Err(e) => app_error(sv, e),
    }
}

/// GET /org/{slug}/handling/{id}/kopia.pdf — released records only.
pub async fn record_pdf(
    State(state): State<PublicState>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
) -> Response {
    let sv = !english(&q.lang);
    let id = match parse_record_id(sv, &id) {
        Ok(Some(id)) => id,
        Ok(None) => return app_error(sv, AppError::NotFound("no record".into())),
        Err(m) => return bad_id(sv, m),
    };
    match state.app.app.released_pdf(&slug, id, !sv).await {
        Ok(bytes) => pdf_response(bytes, &format!("handling-{id}.pdf")),
        Err(e) => app_error(sv, e),
    }
}
