//! OpenID Connect sign-in for organisations with an identity provider: authorization code with
//! PKCE (S256), `state` and `nonce` checked, the ID token verified (signature, issuer, audience,
//! expiry, nonce) by `openidconnect`, e-mail from the ID token or the userinfo endpoint.
//!
//! HTTP goes through our own reqwest client (no redirects followed, short timeouts) by an adapter
//! for `openidconnect`'s async client trait; the client secret is never logged.
use super::SignIn;
use crate::{App, AppError, Result};
use insyn_domain::*;
use insyn_store::StoreError;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One organisation's identity provider.
#[derive(Debug, Clone)]
pub struct OidcProvider {
    /// The organisation (slug) whose staff sign in here.
    pub org_slug: String,
    /// Issuer URL exactly as the provider names itself (`127.0.0.1` is not `localhost`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Where the provider sends the browser back: `{public_url}/auth/oidc/callback`.
    pub redirect_url: String,
    http: reqwest::Client,
    /// The discovery document (with the signing keys), reused for [`METADATA_TTL`].
    metadata:
        std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, CoreProviderMetadata)>>>,
}

/// How long a discovery document (and its keys) is reused before it is fetched again.
pub const METADATA_TTL: Duration = Duration::from_secs(600);

/// What the relying party keeps between the redirect and the callback (in the session).
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    pub org_slug: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A local path to go to after sign-in.
    pub next: Option<String>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("org_slug", &self.org_slug)
            .finish_non_exhaustive()
    }
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The adapter: `openidconnect` requests through our reqwest 0.13 client.
struct Http<'a>(&'a reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http<'_> {
    type Error = HttpError;
    type Future = Pin<
        Box<
            dyn Future<Output = std::result::Result<openidconnect::HttpResponse, HttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        let client = self.0.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut req = client.request(parts.method, parts.uri.to_string());
            for (name, value) in &parts.headers {
                req = req.header(name, value);
            }
            let resp = req
                .body(body)
                .send()
                .await
                .map_err(|e| HttpError(format!("identity provider request failed: {e}")))?;
            let mut out = openidconnect::http::Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                out = out.header(name, value);
            }
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| HttpError(format!("identity provider response: {e}")))?;
            out.body(bytes.to_vec())
                .map_err(|e| HttpError(format!("identity provider response: {e}")))
        })
    }
}

fn provider_error(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Unauthorized(format!(
        "sign-in through the identity provider failed: {what}: {e}"
    ))
}

impl OidcProvider {
    pub fn new(
        org_slug: impl Into<String>,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
        redirect_url: impl Into<String>,
    ) -> Result<OidcProvider> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("insyn/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))?;
        let p = OidcProvider {
            org_slug: org_slug.into(),
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_url: redirect_url.into(),
            http,
            metadata: Default::default(),
        };
        IssuerUrl::new(p.issuer.clone())
            .map_err(|e| AppError::invalid("oidc.issuer", e.to_string()))?;
        RedirectUrl::new(p.redirect_url.clone())
            .map_err(|e| AppError::invalid("public_url", e.to_string()))?;
        Ok(p)
    }

    async fn client(
        &self,
    ) -> Result<
        openidconnect::Client<
            openidconnect::EmptyAdditionalClaims,
            openidconnect::core::CoreAuthDisplay,
            openidconnect::core::CoreGenderClaim,
            openidconnect::core::CoreJweContentEncryptionAlgorithm,
            openidconnect::core::CoreJsonWebKey,
            openidconnect::core::CoreAuthPrompt,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
            openidconnect::core::CoreTokenResponse,
            openidconnect::core::CoreTokenIntrospectionResponse,
            openidconnect::core::CoreRevocableToken,
            openidconnect::core::CoreRevocationErrorResponse,
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
    > {
        let issuer = IssuerUrl::new(self.issuer.clone())
            .map_err(|e| AppError::invalid("oidc.issuer", e.to_string()))?;
        let metadata = {
            let mut cached = self.metadata.lock().await;
            match cached.as_ref() {
                Some((at, m)) if at.elapsed() < METADATA_TTL => m.clone(),
                _ => {
                    let m = CoreProviderMetadata::discover_async(issuer, &Http(&self.http))
                        .await
                        .map_err(|e| {
                            AppError::Unavailable(format!(
                                "identity provider discovery failed: {e}"
                            ))
                        })?;
                    *cached = Some((std::time::Instant::now(), m.clone()));
                    m
                }
            }
        };
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.expose().to_string())),
        )
        .set_redirect_uri(
            RedirectUrl::new(self.redirect_url.clone())
                .map_err(|e| AppError::invalid("public_url", e.to_string()))?,
        ))
    }

    /// The URL to send the browser to, and what to keep until the callback.
    pub async fn begin(&self, next: Option<String>) -> Result<(String, Pending)> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.to_string(),
            Pending {
                org_slug: self.org_slug.clone(),
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                next,
            },
        ))
    }

    /// Checks the returned `state` against the pending one (constant time), exchanges the code
    /// (with the PKCE verifier), verifies the ID token and its nonce, and reads the e-mail.
    pub async fn finish(&self, pending: &Pending, code: &str, state: &str) -> Result<OidcIdentity> {
        if pending.org_slug != self.org_slug {
            return Err(AppError::Unauthorized(
                "the sign-in was started for another organisation".into(),
            ));
        }
        if !bool::from(pending.state.as_bytes().ct_eq(state.as_bytes())) {
            return Err(AppError::Unauthorized(
                "the sign-in answer does not belong to this sign-in (state differs)".into(),
            ));
        }
        let client = self.client().await?;
        let http = Http(&self.http);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| provider_error("token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| provider_error("code exchange", e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| provider_error("token", "no ID token in the answer"))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(pending.nonce.clone()))
            .map_err(|e| provider_error("ID token", e))?;
        let subject = claims.subject().as_str().to_string();
        let mut email = claims.email().map(|e| e.as_str().to_string());
        let mut verified = claims.email_verified().unwrap_or(false);
        if email.is_none() {
            let info: CoreUserInfoClaims = client
                .user_info(
                    token.access_token().to_owned(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| provider_error("userinfo", e))?
                .request_async(&http)
                .await
                .map_err(|e| provider_error("userinfo", e))?;
            email = info.email().map(|e| e.as_str().to_string());
            verified = info.email_verified().unwrap_or(false);
        }
        Ok(OidcIdentity {
            issuer: self.issuer.clone(),
            subject,
            email,
            email_verified: verified,
        })
    }
}

impl App {
    /// Maps a verified identity to a user of the organisation: by the bound subject, or at the
    /// first sign-in by a verified e-mail address of a user an administrator has created (the
    /// subject is then bound). No one is created here.
    pub async fn oidc_sign_in(&self, org: OrgId, id: &OidcIdentity) -> Result<SignIn> {
        let user = match self
            .store
            .user_by_external_identity(org, &id.issuer, &id.subject)
            .await
        {
            Ok(u) => Some(u),
            Err(StoreError::NotFound { .. }) => match (&id.email, id.email_verified) {
                (Some(email), true) => match self.store.user_credentials(org, email).await {
                    Ok(c) if c.user.is_active() => {
                        self.store
                            .link_external_identity(org, &id.issuer, &id.subject, c.user.id, "oidc")
                            .await?;
                        Some(c.user)
                    }
                    Ok(_) | Err(StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                },
                _ => None,
            },
            Err(e) => return Err(e.into()),
        };
        match user {
            Some(u) if u.is_active() => {
                self.audit(
                    org,
                    &u.actor(),
                    AuditAction::SignedIn,
                    format!("user:{}", u.id),
                    serde_json::json!({"method": "oidc", "issuer": id.issuer}),
                )
                .await?;
                Ok(SignIn::Ok(u))
            }
            _ => {
                self.audit(
                    org,
                    "anonymous",
                    AuditAction::SignInFailed,
                    format!("oidc:{}", id.subject),
                    serde_json::json!({"reason": "no user for this identity", "issuer": id.issuer, "email": id.email}),
                )
                .await?;
                Ok(SignIn::Rejected)
            }
        }
    }
}
