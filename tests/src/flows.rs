//! Entra ID and Okta provisioning flows replayed from `fixtures/scim/*.json`.

use scimlab_tests::TestEngine;
use scimlab_tests::flow::run_flow;

#[tokio::test]
async fn entra_user_lifecycle() {
    let engine = TestEngine::start().await;
    run_flow(&engine, "scim/entra-user-lifecycle.json").await;
}

#[tokio::test]
async fn entra_groups() {
    let engine = TestEngine::start().await;
    run_flow(&engine, "scim/entra-groups.json").await;
}

#[tokio::test]
async fn okta_user_lifecycle_and_push_groups() {
    let engine = TestEngine::start().await;
    run_flow(&engine, "scim/okta-user-lifecycle.json").await;
}
