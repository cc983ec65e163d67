//! Signing in and out against a real messenger-server on loopback.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use messenger_agent::{Agent, AgentConfig, AgentError};
use messenger_protocol::Role;
use messenger_server::clock::SystemClock;
use messenger_server::{RunningServer, ServerConfig, app, operator};

async fn server_with_user(dir: &std::path::Path) -> RunningServer {
    let mut config = ServerConfig::new(dir.to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    let store = app::open_store(&config).unwrap();
    operator::add_user(
        store.as_ref(),
        &SystemClock,
        "Ada Agent",
        "ada@example.com",
        "ada-password",
        Role::Agent,
    )
    .await
    .unwrap();
    app::start_with(config, store, Arc::new(SystemClock))
        .await
        .unwrap()
}

#[tokio::test]
async fn signs_in_stays_signed_in_across_restarts_and_signs_out() {
    let server_dir = tempfile::tempdir().unwrap();
    let agent_dir = tempfile::tempdir().unwrap();
    let server = server_with_user(server_dir.path()).await;

    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    assert!(agent.session().unwrap().is_none());
    let s = agent
        .login(&server.base_url(), " ada@example.com ", "ada-password")
        .await
        .unwrap();
    assert_eq!(s.user.name, "Ada Agent");
    drop(agent);

    // A new process: the session is read from the agent's file.
    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    let s = agent.session().unwrap().expect("still signed in");
    assert_eq!(s.server_url, server.base_url());
    assert_eq!(
        agent.refresh_session().await.unwrap().user.email,
        "ada@example.com"
    );

    let token_client = agent.client().unwrap();
    agent.logout().await.unwrap();
    assert!(agent.session().unwrap().is_none());
    // The token is dead on the server too.
    let err = token_client.me().await.unwrap_err();
    assert!(err.is_auth_failure(), "{err:?}");

    let defaults = agent.sign_in_defaults(None).unwrap();
    assert_eq!(defaults.email, "ada@example.com");
    assert_eq!(
        agent
            .sign_in_defaults(Some("http://other:1"))
            .unwrap()
            .server_url,
        "http://other:1"
    );
}

#[tokio::test]
async fn a_wrong_password_reports_the_servers_sentence() {
    let server_dir = tempfile::tempdir().unwrap();
    let agent_dir = tempfile::tempdir().unwrap();
    let server = server_with_user(server_dir.path()).await;
    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    let err = agent
        .login(&server.base_url(), "ada@example.com", "nope-nope")
        .await
        .unwrap_err();
    match &err {
        AgentError::Server { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (401, "invalid_credentials"))
        }
        other => panic!("expected a server refusal, got {other:?}"),
    }
    assert_eq!(err.to_string(), "Wrong email or password.");
    assert!(agent.session().unwrap().is_none());
}

#[tokio::test]
async fn an_unreachable_server_is_named_in_the_error() {
    let agent_dir = tempfile::tempdir().unwrap();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    let err = agent
        .login(&format!("127.0.0.1:{port}"), "a@example.com", "whatever1")
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("http://127.0.0.1:{port}")), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[tokio::test]
async fn a_session_killed_on_the_server_is_forgotten_on_refresh() {
    let server_dir = tempfile::tempdir().unwrap();
    let agent_dir = tempfile::tempdir().unwrap();
    let server = server_with_user(server_dir.path()).await;
    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    agent
        .login(&server.base_url(), "ada@example.com", "ada-password")
        .await
        .unwrap();
    // Another device signs this token out.
    agent.client().unwrap().logout().await.unwrap();
    let err = agent.refresh_session().await.unwrap_err();
    assert!(err.is_auth_failure());
    assert!(agent.session().unwrap().is_none());
}

#[tokio::test]
async fn offline_the_stored_session_stands() {
    let server_dir = tempfile::tempdir().unwrap();
    let agent_dir = tempfile::tempdir().unwrap();
    let server = server_with_user(server_dir.path()).await;
    let agent = Agent::open(AgentConfig::new(agent_dir.path().into()).without_keychain()).unwrap();
    agent
        .login(&server.base_url(), "ada@example.com", "ada-password")
        .await
        .unwrap();
    server.shutdown().await;
    let err = agent.refresh_session().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(agent.session().unwrap().is_some());
}
