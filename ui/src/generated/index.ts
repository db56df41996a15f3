// Generated from the Rust types by `SCIMLAB_BLESS=1 cargo test -p scimlab-engine generated_typescript`. Do not edit.
export type { AuthSummary } from "./AuthSummary";
export type { DeletedCounts } from "./DeletedCounts";
export type { EndpointInfo } from "./EndpointInfo";
export type { EngineEvent } from "./EngineEvent";
export type { ErrorBody } from "./ErrorBody";
export type { Exchange } from "./Exchange";
export type { ExchangePage } from "./ExchangePage";
export type { ExchangeSummary } from "./ExchangeSummary";
export type { Health } from "./Health";
export type { Idp } from "./Idp";
export type { OperationKind } from "./OperationKind";
export type { ResetResult } from "./ResetResult";
export type { ResourceChange } from "./ResourceChange";
export type { ResourceDetail } from "./ResourceDetail";
export type { ResourcePage } from "./ResourcePage";
export type { RevealedKey } from "./RevealedKey";
export type { RotatedKey } from "./RotatedKey";
