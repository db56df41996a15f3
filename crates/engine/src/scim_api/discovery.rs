//! Discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//! They describe only what ScimLab really does: PATCH, filter (with `maxResults`), sort and
//! ETags are supported; bulk, password change and `/Me` are not.

use super::context::RequestCtx;
use super::response::{ApiError, ApiResult, scim_json};
use crate::config::MAX_PAGE_SIZE;
use axum::extract::Path;
use axum::http::StatusCode;
use scimlab_scim::schema::{ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA, all_schema_resources};
use scimlab_scim::{ResourceKind, ScimError};
use serde_json::{Value, json};

fn list_response(resources: &[Value]) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(ctx: RequestCtx) -> ApiResult {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scimlab/scimlab#readme",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_PAGE_SIZE},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with the endpoint's SCIM API key: 'Authorization: Bearer <key>'",
            "primary": true
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", ctx.base_url)
        }
    });
    Ok(scim_json(StatusCode::OK, &body))
}

fn resource_type(kind: ResourceKind, base_url: &str) -> Value {
    let extensions: Vec<Value> = kind
        .extensions()
        .iter()
        .map(|(urn, _)| json!({"schema": urn, "required": false}))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": kind.name(),
        "name": kind.name(),
        "endpoint": kind.endpoint(),
        "description": match kind { ResourceKind::User => "User Account", ResourceKind::Group => "Group" },
        "schema": kind.schema(),
        "schemaExtensions": extensions,
        "meta": {"resourceType": "ResourceType", "location": format!("{base_url}/ResourceTypes/{}", kind.name())}
    })
}

/// `GET /ResourceTypes`.
pub async fn resource_types(ctx: RequestCtx) -> ApiResult {
    let all = vec![
        resource_type(ResourceKind::User, &ctx.base_url),
        resource_type(ResourceKind::Group, &ctx.base_url),
    ];
    Ok(scim_json(StatusCode::OK, &list_response(&all)))
}

/// `GET /ResourceTypes/{name}`.
pub async fn resource_type_one(ctx: RequestCtx, Path(name): Path<String>) -> ApiResult {
    let kind = [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(&name))
        .ok_or_else(|| {
            ApiError(ScimError::not_found(format!(
                "no resource type '{name}': use User or Group"
            )))
        })?;
    Ok(scim_json(
        StatusCode::OK,
        &resource_type(kind, &ctx.base_url),
    ))
}

/// `GET /Schemas`.
pub async fn schemas(ctx: RequestCtx) -> ApiResult {
    Ok(scim_json(
        StatusCode::OK,
        &list_response(&all_schema_resources(&ctx.base_url)),
    ))
}

/// `GET /Schemas/{urn}`.
pub async fn schema(ctx: RequestCtx, Path(urn): Path<String>) -> ApiResult {
    all_schema_resources(&ctx.base_url)
        .into_iter()
        .find(|s| {
            s["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&urn))
        })
        .map(|s| scim_json(StatusCode::OK, &s))
        .ok_or_else(|| {
            ApiError(ScimError::not_found(format!(
                "no schema '{urn}': served schemas are {}, {} and {}",
                ResourceKind::User.schema(),
                ENTERPRISE_USER_SCHEMA,
                ResourceKind::Group.schema()
            )))
        })
}
