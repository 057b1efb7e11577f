use crate::error::AppResult;
use crate::store::conn::on;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Health;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// Up and able to reach its database.
async fn health(State(state): State<AppState>) -> AppResult<Json<Health>> {
    on!(state.db.acquire().await?, |cx| sqlx::query("SELECT 1").execute(cx).await.map(|r| r.rows_affected()))?;
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}
