//! Contacts: get, create, update, create-or-update, delete, list and search, tags, a contact's
//! channels, and merge.

use axum::extract::{OriginalUri, State};
use messenger_protocol::developer_api::{
    self as v2, ContactFields, ContactFilter, FilterCondition,
};
use messenger_protocol::{
    Contact, ContactId, ContactPatch, ContactView, CustomField, StatusFilter,
};

use super::convert::{self, num, seconds};
use super::error::{V2Json, V2Path, V2Query, V2Result};
use super::identifier::ContactRef;
use super::pagination::{self, PageQuery};
use super::{read, write};
use crate::app::AppState;
use crate::auth::api_token::ApiCaller;
use crate::channel::url_guard;
use crate::domain::{Ctx, contacts, custom_fields, inbound, merge};
use crate::error::{AppError, AppResult};
use crate::store::{ContactAddress, ContactOrder, ContactQuery, ReadTx, UserRecord, WriteTx};

/// At most this many tags per request, as respond.io allows.
const MAX_TAGS_PER_CALL: usize = 10;
/// A filtered list reads at most this many contacts for one page (then it answers what it has,
/// with a `next` that goes on from there).
const MAX_SCANNED: usize = 20_000;
/// Contacts read per query while filling a page.
const SCAN_BATCH: usize = 200;

/// A contact with its assignee, read in the transaction and shaped after it.
type Loaded = (Contact, Option<UserRecord>);

fn load(tx: &mut dyn ReadTx, contact: Contact) -> AppResult<Loaded> {
    let assignee = match &contact.assignee_id {
        Some(id) => tx.user(id)?,
        None => None,
    };
    Ok((contact, assignee))
}

fn action(contact: &ContactId) -> V2Json<v2::ContactAction> {
    V2Json(v2::ContactAction {
        contact_id: num(contact.as_str()),
    })
}

/// A value the client gave: `None` when absent, `Some(None)` when empty (clears).
fn given(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref()
        .map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// The v1 patch a v2 write makes, for a contact that exists or is new.
fn patch_of(fields: &ContactFields, existing: Option<&Contact>) -> ContactPatch {
    // Named by slug (the n8n node), name (the SDK's examples) or id; checked by the domain.
    let custom_fields = fields.custom_fields.as_ref().map(|values| {
        values
            .iter()
            .map(|v| (v.name.clone(), convert::field_text(&v.value)))
            .collect()
    });
    // An empty name part is not given (n8n leaves fields out, scripts send "").
    let part = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (given_first, given_last) = (part(&fields.first_name), part(&fields.last_name));
    let (name, first_name) = if given_first.is_some() || given_last.is_some() {
        let (first, last) = match existing {
            Some(c) => (
                c.first_name.clone(),
                c.last_name().unwrap_or_default().to_owned(),
            ),
            None => (String::new(), String::new()),
        };
        let first = given_first.unwrap_or(first);
        let last = given_last.unwrap_or(last);
        let name = format!("{first} {last}").trim().to_owned();
        (Some(name), Some(first).filter(|f| !f.is_empty()))
    } else {
        (None, None)
    };
    ContactPatch {
        name,
        first_name,
        email: given(&fields.email),
        phone: given(&fields.phone),
        tags: None,
        language: given(&fields.language),
        country_code: given(&fields.country_code),
        timezone: None,
        custom_fields,
    }
}

/// Fetches a picture given by URL (through the URL guard, replacing the one there is).
fn fetch_picture(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    contact: &ContactId,
    fields: &ContactFields,
) -> AppResult<()> {
    if let Some(url) = fields
        .profile_pic
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        if url.len() > 2048 || !url_guard::is_web_url(url) {
            return Err(AppError::invalid(
                "profilePic must be an http:// or https:// URL.",
            ));
        }
        let fetch = inbound::PictureFetch {
            contact_id: contact.clone(),
            channel_id: None,
            url: url.to_owned(),
            replace: true,
        };
        fetch.queue(tx, ctx.now)?;
    }
    Ok(())
}

/// Creates a contact named by an email or phone identifier; the identifier fills its field.
fn create(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    who: &ContactRef,
    fields: &ContactFields,
) -> AppResult<Contact> {
    let Some(address) = who.address() else {
        return Err(AppError::invalid(
            "A new contact is named by email:… or phone:…; id:… names an existing one.",
        ));
    };
    let mut patch = patch_of(fields, None);
    // The identifier names the contact: its address is the contact's, whatever the body says
    // (an empty or other value there would make the next create-or-update create another).
    match address {
        ContactAddress::Email(e) => patch.email = Some(Some(e.clone())),
        ContactAddress::Phone(p) => patch.phone = Some(Some(p.clone())),
    }
    if patch.name.as_deref().is_none_or(str::is_empty) {
        patch.name = Some(match address {
            ContactAddress::Email(e) | ContactAddress::Phone(e) => e.clone(),
        });
    }
    let contact = contacts::create(tx, ctx, patch)?;
    fetch_picture(tx, ctx, &contact.id, fields)?;
    Ok(contact)
}

fn update(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    contact: &Contact,
    fields: &ContactFields,
) -> AppResult<Contact> {
    let patch = patch_of(fields, Some(contact));
    let updated = contacts::patch(tx, ctx, &contact.id, patch)?;
    fetch_picture(tx, ctx, &updated.id, fields)?;
    Ok(updated)
}

fn parse(identifier: &str) -> V2Result<ContactRef> {
    Ok(ContactRef::parse(identifier)?)
}

/// The contact.
#[utoipa::path(get, path = "/contact/{identifier}", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path, description = "id:123, email:… or phone:+…")),
    responses((status = 200, body = v2::Contact), (status = 404, body = v2::V2Error)))]
pub async fn get_contact(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
) -> V2Result<V2Json<v2::Contact>> {
    let who = parse(&identifier)?;
    let ((c, a), fields) = read(&state, &caller, move |tx, ctx| {
        let c = who.resolve(tx, ctx)?;
        Ok((load(tx, c)?, tx.custom_fields()?))
    })
    .await?;
    Ok(V2Json(convert::contact(&state, &c, a.as_ref(), &fields)))
}

/// Create a contact named by email or phone (409 when one has it).
#[utoipa::path(post, path = "/contact/{identifier}", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path, description = "email:… or phone:+…")),
    request_body = v2::ContactFields,
    responses((status = 200, body = v2::Created), (status = 400, body = v2::V2Error), (status = 409, body = v2::V2Error)))]
pub async fn create_contact(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(fields): V2Json<ContactFields>,
) -> V2Result<V2Json<v2::Created>> {
    let who = parse(&identifier)?;
    let contact = write(&state, &caller, move |tx, ctx| {
        if let Some(existing) = who.find(tx, ctx)? {
            return Err(AppError::conflict(format!(
                "A contact with {identifier} exists already (id:{}).",
                existing.id
            )));
        }
        create(tx, ctx, &who, &fields)
    })
    .await?;
    Ok(V2Json(v2::Created {
        code: 200,
        message: "Contact added successfully!".into(),
        contact_id: num(contact.id.as_str()),
    }))
}

/// Change the fields given.
#[utoipa::path(put, path = "/contact/{identifier}", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::ContactFields,
    responses((status = 200, body = v2::ContactAction), (status = 404, body = v2::V2Error)))]
pub async fn update_contact(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(fields): V2Json<ContactFields>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = parse(&identifier)?;
    let contact = write(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        update(tx, ctx, &contact, &fields)
    })
    .await?;
    Ok(action(&contact.id))
}

/// Update the contact with this identifier, or create it.
#[utoipa::path(post, path = "/contact/create_or_update/{identifier}", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::ContactFields,
    responses((status = 200, body = v2::ContactAction), (status = 400, body = v2::V2Error)))]
pub async fn create_or_update_contact(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(fields): V2Json<ContactFields>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = parse(&identifier)?;
    let contact = write(&state, &caller, move |tx, ctx| match who.find(tx, ctx)? {
        Some(existing) => update(tx, ctx, &existing, &fields),
        None if who.address().is_none() => who.resolve(tx, ctx),
        None => create(tx, ctx, &who, &fields),
    })
    .await?;
    Ok(action(&contact.id))
}

/// Delete the contact with its conversations and messages.
#[utoipa::path(delete, path = "/contact/{identifier}", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path)),
    responses((status = 200, body = v2::ContactAction), (status = 404, body = v2::V2Error)))]
pub async fn delete_contact(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = parse(&identifier)?;
    let id = write(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        contacts::delete(tx, ctx, &contact.id)?;
        Ok(contact.id)
    })
    .await?;
    Ok(action(&id))
}

fn field_value(c: &Contact, field: &str, custom: &[CustomField]) -> AppResult<Option<String>> {
    Ok(match field {
        "firstName" => Some(c.first_name.clone()),
        "lastName" => c.last_name().map(str::to_owned),
        "email" => c.email.clone(),
        "phone" => c.phone.clone(),
        "language" => c.profile.language.clone(),
        "countryCode" => c.profile.country_code.clone(),
        "assigneeUserId" => c.assignee_id.as_ref().map(|a| a.to_string()),
        "status" => Some(
            if c.open_conversation_id.is_some() {
                "open"
            } else {
                "close"
            }
            .into(),
        ),
        other if custom_fields::find(custom, other).is_some() => custom_fields::find(custom, other)
            .and_then(|f| c.custom_fields.get(&f.slug))
            .cloned(),
        other => {
            return Err(AppError::invalid(format!(
                "Filtering by the contact field {other:?} is not supported; use firstName, \
                 lastName, email, phone, language, countryCode, assigneeUserId, status or a custom field's slug."
            )));
        }
    })
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(a) => a.iter().filter_map(text_of).collect(),
        other => text_of(other).into_iter().collect(),
    }
}

fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a contact meets one condition of a list filter.
fn meets(c: &Contact, cond: &FilterCondition, custom: &[CustomField]) -> AppResult<bool> {
    let unsupported = || {
        AppError::invalid(format!(
            "The filter operator {:?} is not supported for {}; use isEqualTo, isNotEqualTo, \
             exists or doesNotExist for fields and hasAnyOf, hasAllOf or hasNoneOf for tags.",
            cond.operator, cond.category
        ))
    };
    match cond.category.as_str() {
        "contactField" => {
            let field = cond
                .field
                .as_deref()
                .ok_or_else(|| AppError::invalid("A contactField condition needs a field."))?;
            let value = field_value(c, field, custom)?;
            let wanted = text_of(&cond.value).unwrap_or_default();
            Ok(match cond.operator.as_str() {
                "isEqualTo" => value.is_some_and(|v| v.eq_ignore_ascii_case(&wanted)),
                "isNotEqualTo" => !value.is_some_and(|v| v.eq_ignore_ascii_case(&wanted)),
                "exists" => value.is_some(),
                "doesNotExist" => value.is_none(),
                _ => return Err(unsupported()),
            })
        }
        "contactTag" => {
            let wanted = strings(&cond.value);
            let has = |t: &String| c.tags.iter().any(|x| x.eq_ignore_ascii_case(t));
            Ok(match cond.operator.as_str() {
                "hasAnyOf" => wanted.iter().any(has),
                "hasAllOf" => wanted.iter().all(has),
                "hasNoneOf" => !wanted.iter().any(has),
                _ => return Err(unsupported()),
            })
        }
        other => Err(AppError::invalid(format!(
            "Filtering by {other:?} is not supported; use contactField or contactTag."
        ))),
    }
}

fn matches(c: &Contact, filter: &ContactFilter, custom: &[CustomField]) -> AppResult<bool> {
    let Some(group) = &filter.filter else {
        return Ok(true);
    };
    for cond in &group.and {
        if !meets(c, cond, custom)? {
            return Ok(false);
        }
    }
    if group.or.is_empty() {
        return Ok(true);
    }
    for cond in &group.or {
        if meets(c, cond, custom)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Contacts, newest first; `search` matches name, email or phone in part.
#[utoipa::path(post, path = "/contact/list", tag = "contacts", security(("bearer" = [])),
    params(PageQuery), request_body = v2::ContactFilter,
    responses((status = 200, body = Object, description = "{items: [Contact], pagination}"), (status = 400, body = v2::V2Error)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Query(q): V2Query<PageQuery>,
    V2Json(filter): V2Json<ContactFilter>,
) -> V2Result<V2Json<v2::Page<v2::Contact>>> {
    let (limit, cursor) = (q.limit()?, q.cursor()?);
    let (loaded, next, fields) = read(&state, &caller, move |tx, ctx| {
        let text = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let custom = tx.custom_fields()?;
        // Newest first, so that an id cursor keeps its place however contacts change.
        let mut after = cursor.map(|id| (0, id));
        let mut out = Vec::new();
        let mut scanned = 0;
        let mut next = None;
        loop {
            let batch = tx.contacts(&ContactQuery {
                scope: ctx.scope(),
                view: ContactView::All,
                me: ctx.me.id.clone(),
                status: StatusFilter::Any,
                text: text.clone(),
                after,
                limit: SCAN_BATCH.max(limit + 1),
                order: ContactOrder::Newest,
            })?;
            let exhausted = batch.len() < SCAN_BATCH.max(limit + 1);
            for c in batch {
                let id = num(c.id.as_str());
                if matches(&c, &filter, &custom)? {
                    if out.len() == limit {
                        // One more match: there is a next page, after the last one kept.
                        next = out.last().map(|c: &Contact| num(c.id.as_str()));
                        break;
                    }
                    out.push(c);
                }
                scanned += 1;
                after = Some((0, id));
                if scanned >= MAX_SCANNED {
                    // Scanned enough for one request: the next page goes on from here, so
                    // that a client reading to the end misses nothing.
                    next = after.map(|(_, id)| id);
                    break;
                }
            }
            if next.is_some() || exhausted {
                break;
            }
        }
        let loaded = out
            .into_iter()
            .map(|c| load(tx, c))
            .collect::<AppResult<Vec<_>>>()?;
        Ok((loaded, next, custom))
    })
    .await?;
    let items = loaded
        .iter()
        .map(|(c, a)| convert::contact(&state, c, a.as_ref(), &fields))
        .collect();
    Ok(V2Json(pagination::page(
        &state,
        uri.path(),
        &q,
        items,
        next,
    )?))
}

fn check_tags(tags: &[String]) -> AppResult<()> {
    if tags.is_empty() || tags.len() > MAX_TAGS_PER_CALL {
        return Err(AppError::invalid(format!(
            "Send 1 to {MAX_TAGS_PER_CALL} tag names as a JSON array."
        )));
    }
    Ok(())
}

fn retag(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    who: &ContactRef,
    change: impl Fn(&mut Vec<String>),
) -> AppResult<ContactId> {
    let contact = who.resolve(tx, ctx)?;
    let mut tags = contact.tags.clone();
    change(&mut tags);
    let patch = ContactPatch {
        tags: Some(tags),
        ..ContactPatch::default()
    };
    Ok(contacts::patch(tx, ctx, &contact.id, patch)?.id)
}

/// Add tags (a JSON array of names); tags it has already are kept once.
#[utoipa::path(post, path = "/contact/{identifier}/tag", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = Vec<String>,
    responses((status = 200, body = v2::ContactAction), (status = 404, body = v2::V2Error)))]
pub async fn add_tags(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(tags): V2Json<Vec<String>>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = parse(&identifier)?;
    check_tags(&tags)?;
    let id = write(&state, &caller, move |tx, ctx| {
        retag(tx, ctx, &who, |t| t.extend(tags.iter().cloned()))
    })
    .await?;
    Ok(action(&id))
}

/// Remove tags (a JSON array of names, as the body of the DELETE).
#[utoipa::path(delete, path = "/contact/{identifier}/tag", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = Vec<String>,
    responses((status = 200, body = v2::ContactAction), (status = 404, body = v2::V2Error)))]
pub async fn remove_tags(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(tags): V2Json<Vec<String>>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = parse(&identifier)?;
    check_tags(&tags)?;
    let id = write(&state, &caller, move |tx, ctx| {
        retag(tx, ctx, &who, |t| {
            t.retain(|x| !tags.iter().any(|r| r.trim().eq_ignore_ascii_case(x)));
        })
    })
    .await?;
    Ok(action(&id))
}

/// The channels the contact writes from.
#[utoipa::path(get, path = "/contact/{identifier}/channels", tag = "contacts", security(("bearer" = [])),
    params(("identifier" = String, Path), PageQuery),
    responses((status = 200, body = Object, description = "{items: [ContactChannel], pagination}"), (status = 404, body = v2::V2Error)))]
pub async fn contact_channels(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Path(identifier): V2Path<String>,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::ContactChannel>>> {
    let who = parse(&identifier)?;
    let items = read(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        let mut out = Vec::new();
        for identity in &contact.channels {
            if let Some(ch) = tx.channel(&identity.channel_id)? {
                out.push(v2::ContactChannel {
                    id: num(ch.id.as_str()),
                    name: ch.name.clone(),
                    source: "custom_channel".into(),
                    meta: serde_json::json!({"contactId": identity.external_id}),
                    last_message_time: contact.last_message_at.map(seconds),
                    last_incoming_message_time: None,
                    created_at: seconds(ch.created_at),
                });
            }
        }
        Ok(out)
    })
    .await?;
    let (items, next) = pagination::slice(items, |c| c.id, &q)?;
    Ok(V2Json(pagination::page(
        &state,
        uri.path(),
        &q,
        items,
        next,
    )?))
}

/// Merge `contactIds[1]` into `contactIds[0]`; the other fields then apply to the merged
/// contact.
#[utoipa::path(post, path = "/contact/merge", tag = "contacts", security(("bearer" = [])),
    request_body = v2::MergeRequest,
    responses((status = 200, body = v2::ContactAction), (status = 400, body = v2::V2Error), (status = 404, body = v2::V2Error)))]
pub async fn merge_contacts(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Json(req): V2Json<v2::MergeRequest>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let [primary, secondary] = req.contact_ids.as_slice() else {
        return Err(
            AppError::invalid("contactIds must be [primary, secondary]: two contact ids.").into(),
        );
    };
    let (primary, secondary) = (
        ContactId(primary.to_string()),
        ContactId(secondary.to_string()),
    );
    let fields = req.fields;
    let merged = write(&state, &caller, move |tx, ctx| {
        let merged = merge::merge(tx, ctx, &primary, &secondary)?;
        if fields == ContactFields::default() {
            return Ok(merged);
        }
        update(tx, ctx, &merged, &fields)
    })
    .await?;
    Ok(action(&merged.id))
}
