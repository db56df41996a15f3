//! The TypeScript types of the admin API and the event stream, generated with ts-rs into
//! `ui/src/generated/` (one file per type, plus `index.ts`). The files are committed; this test
//! fails when they no longer match the Rust types. Regenerate with
//! `SCIMLAB_BLESS=1 cargo test -p scimlab-engine generated_typescript`.

use super::model::{
    ChooseProfile, DeletedCounts, EndpointInfo, EngineSettings, ErrorBody, ExchangePage, Health,
    ProfileList, QuirkInfo, ResetResult, ResourceDetail, ResourcePage, RevealedKey, RoleChange,
    RotatedKey, SettingsUpdate, TimelineEntry,
};
use super::simulations::{SimulationStarted, SimulationState, SimulationStatus, StartSimulation};
use crate::checks;
use crate::events::EngineEvent;
use crate::mapping;
use crate::model::{AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind, ResourceChange};
use crate::simulate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

const REGENERATE: &str = "SCIMLAB_BLESS=1 cargo test -p scimlab-engine generated_typescript";

fn generated_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated")
}

fn render<T: TS + 'static>(cfg: &Config, out: &mut BTreeMap<String, String>) {
    let file = T::output_path()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .expect("derived types have an output path");
    let text = T::export_to_string(cfg).expect("type renders");
    out.insert(file, text);
}

/// Every generated file, by name.
fn expected() -> BTreeMap<String, String> {
    let cfg = Config::new().with_out_dir(generated_dir());
    let mut out = BTreeMap::new();
    // The exchange model (capture) and the event stream.
    render::<Idp>(&cfg, &mut out);
    render::<OperationKind>(&cfg, &mut out);
    render::<AuthSummary>(&cfg, &mut out);
    render::<ResourceChange>(&cfg, &mut out);
    render::<ExchangeSummary>(&cfg, &mut out);
    render::<Exchange>(&cfg, &mut out);
    render::<EngineEvent>(&cfg, &mut out);
    render::<crate::events::ChangedResource>(&cfg, &mut out);
    // Admin API responses.
    render::<ErrorBody>(&cfg, &mut out);
    render::<Health>(&cfg, &mut out);
    render::<super::model::DatabaseHealth>(&cfg, &mut out);
    render::<EndpointInfo>(&cfg, &mut out);
    render::<crate::tunnel::TunnelState>(&cfg, &mut out);
    render::<crate::tunnel::TunnelStatus>(&cfg, &mut out);
    render::<crate::tunnel::TunnelProvider>(&cfg, &mut out);
    render::<RevealedKey>(&cfg, &mut out);
    render::<RotatedKey>(&cfg, &mut out);
    render::<ExchangePage>(&cfg, &mut out);
    render::<super::model::ExchangeDetail>(&cfg, &mut out);
    render::<super::model::CheckPaths>(&cfg, &mut out);
    render::<super::model::PathCheck>(&cfg, &mut out);
    render::<super::model::SeenPath>(&cfg, &mut out);
    render::<super::model::SeenAttributes>(&cfg, &mut out);
    render::<crate::model::AuthOutcome>(&cfg, &mut out);
    render::<crate::diagnosis::Diagnosis>(&cfg, &mut out);
    render::<crate::model::FaultMark>(&cfg, &mut out);
    render::<crate::model::ResourceId>(&cfg, &mut out);
    render::<crate::model::WorkspaceSlug>(&cfg, &mut out);
    render::<crate::model::WorkspaceRecord>(&cfg, &mut out);
    render::<crate::model::WorkspaceHint>(&cfg, &mut out);
    render::<super::model::WorkspaceInfo>(&cfg, &mut out);
    render::<super::model::NewWorkspace>(&cfg, &mut out);
    render::<super::model::RenameWorkspace>(&cfg, &mut out);
    render::<super::model::DeletedWorkspace>(&cfg, &mut out);
    render::<super::faults::FaultList>(&cfg, &mut out);
    render::<super::faults::FaultToggle>(&cfg, &mut out);
    render::<crate::replay::ReplaySelection>(&cfg, &mut out);
    render::<crate::replay::ReplayStep>(&cfg, &mut out);
    render::<crate::replay::ReplaySummary>(&cfg, &mut out);
    render::<crate::replay::ReplayReport>(&cfg, &mut out);
    render::<super::replays::StartReplay>(&cfg, &mut out);
    render::<super::replays::ReplayStarted>(&cfg, &mut out);
    render::<super::replays::ReplayStatus>(&cfg, &mut out);
    render::<crate::diagnosis::FailureCause>(&cfg, &mut out);
    render::<crate::timeline::Timeline>(&cfg, &mut out);
    render::<crate::timeline::TimelineBucket>(&cfg, &mut out);
    render::<crate::timeline::Cycle>(&cfg, &mut out);
    render::<crate::timeline::CycleKind>(&cfg, &mut out);
    render::<crate::timeline::OperationCount>(&cfg, &mut out);
    render::<ResourcePage>(&cfg, &mut out);
    render::<ResourceDetail>(&cfg, &mut out);
    render::<ResetResult>(&cfg, &mut out);
    render::<EngineSettings>(&cfg, &mut out);
    render::<SettingsUpdate>(&cfg, &mut out);
    render::<QuirkInfo>(&cfg, &mut out);
    render::<crate::store::audit::AuditEntry>(&cfg, &mut out);
    render::<super::audit::AuditPage>(&cfg, &mut out);
    render::<super::audit::AdminUserInfo>(&cfg, &mut out);
    render::<super::sign_in::SessionInfo>(&cfg, &mut out);
    render::<super::sign_in::AppToken>(&cfg, &mut out);
    render::<crate::host::LoopbackSignIn>(&cfg, &mut out);
    render::<crate::access::Via>(&cfg, &mut out);
    // What the desktop shell tells the UI.
    render::<crate::host::Connection>(&cfg, &mut out);
    render::<crate::host::ProblemKind>(&cfg, &mut out);
    render::<crate::host::StartupProblem>(&cfg, &mut out);
    render::<crate::host::ConnectionState>(&cfg, &mut out);
    render::<crate::host::ListenSettings>(&cfg, &mut out);
    render::<DeletedCounts>(&cfg, &mut out);
    render::<RoleChange>(&cfg, &mut out);
    render::<TimelineEntry>(&cfg, &mut out);
    render::<ProfileList>(&cfg, &mut out);
    render::<super::model::RoleSummaryReply>(&cfg, &mut out);
    render::<super::model::ChecklistReply>(&cfg, &mut out);
    render::<super::model::MappingState>(&cfg, &mut out);
    render::<super::model::FieldStatusOf>(&cfg, &mut out);
    render::<super::model::MaterialisedUser>(&cfg, &mut out);
    render::<super::model::MaterialisedPage>(&cfg, &mut out);
    render::<ChooseProfile>(&cfg, &mut out);
    render::<mapping::TargetField>(&cfg, &mut out);
    render::<mapping::FieldRule>(&cfg, &mut out);
    render::<mapping::MappingProfile>(&cfg, &mut out);
    render::<mapping::FieldStatus>(&cfg, &mut out);
    render::<mapping::FieldResult>(&cfg, &mut out);
    render::<mapping::MappingResult>(&cfg, &mut out);
    render::<mapping::Role>(&cfg, &mut out);
    render::<mapping::RoleCounts>(&cfg, &mut out);
    render::<mapping::StatusCounts>(&cfg, &mut out);
    render::<mapping::FieldStatusCounts>(&cfg, &mut out);
    render::<mapping::RoleSummary>(&cfg, &mut out);
    render::<checks::Checklist>(&cfg, &mut out);
    render::<checks::CheckItem>(&cfg, &mut out);
    render::<checks::CheckStatus>(&cfg, &mut out);
    render::<checks::ChecklistScore>(&cfg, &mut out);
    // The IdP simulator.
    render::<simulate::Scenario>(&cfg, &mut out);
    render::<StartSimulation>(&cfg, &mut out);
    render::<SimulationStarted>(&cfg, &mut out);
    render::<SimulationState>(&cfg, &mut out);
    render::<SimulationStatus>(&cfg, &mut out);
    render::<simulate::SimulationReport>(&cfg, &mut out);
    render::<simulate::SimulationSummary>(&cfg, &mut out);
    render::<simulate::StepResult>(&cfg, &mut out);
    render::<simulate::Progress>(&cfg, &mut out);
    render::<simulate::Outcome>(&cfg, &mut out);
    render::<simulate::Verdict>(&cfg, &mut out);
    render::<simulate::SimulatedUser>(&cfg, &mut out);
    render::<simulate::population::RoleCountsSent>(&cfg, &mut out);
    // Fault rules.
    render::<crate::faults::FaultRule>(&cfg, &mut out);
    render::<crate::faults::FaultMatch>(&cfg, &mut out);
    render::<crate::faults::FaultAction>(&cfg, &mut out);
    render::<crate::faults::FaultRuleView>(&cfg, &mut out);
    render::<crate::faults::FaultPreset>(&cfg, &mut out);
    render::<crate::faults::Reaction>(&cfg, &mut out);
    render::<crate::faults::ReactionKind>(&cfg, &mut out);
    let mut index = String::from(
        "// Generated from the Rust types by `SCIMLAB_BLESS=1 cargo test -p scimlab-engine generated_typescript`. Do not edit.\n",
    );
    for file in out.keys() {
        let name = file.trim_end_matches(".ts");
        index.push_str(&format!("export type {{ {name} }} from \"./{name}\";\n"));
    }
    out.insert("index.ts".into(), index);
    out
}

#[test]
fn generated_typescript_is_current() {
    let dir = generated_dir();
    let expected = expected();
    let on_disk: BTreeMap<String, String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".ts"))
                .map(|n| {
                    let text = std::fs::read_to_string(dir.join(&n)).unwrap_or_default();
                    (n, text)
                })
                .collect()
        })
        .unwrap_or_default();
    if std::env::var("SCIMLAB_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("create ui/src/generated");
        for stale in on_disk.keys().filter(|n| !expected.contains_key(*n)) {
            std::fs::remove_file(dir.join(stale)).expect("remove a stale generated file");
        }
        for (name, text) in &expected {
            if on_disk.get(name) != Some(text) {
                std::fs::write(dir.join(name), text).expect("write a generated file");
            }
        }
        return;
    }
    let mut problems = Vec::new();
    for (name, text) in &expected {
        match on_disk.get(name) {
            None => problems.push(format!("{name} is missing")),
            Some(t) if t != text => problems.push(format!("{name} differs from the Rust type")),
            Some(_) => {}
        }
    }
    for name in on_disk.keys().filter(|n| !expected.contains_key(*n)) {
        problems.push(format!("{name} is no longer generated"));
    }
    assert!(
        problems.is_empty(),
        "ui/src/generated is out of date ({}): regenerate it with `{REGENERATE}` and commit the result",
        problems.join("; ")
    );
}
