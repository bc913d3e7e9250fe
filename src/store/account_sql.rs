//! The SQL implementation of [`AccountStore`](super::AccountStore), expanded for each
//! engine by `sql_account_store!`. Like `engine.rs`, the statements run unchanged on
//! PostgreSQL and SQLite; the engine passes in its row-lock clause.

macro_rules! sql_account_store {
    (
        database: $db:ty,
        store: $store:ident,
        for_update: $for_update:literal $(,)?
    ) => {
        mod account_sql_impl {
            use async_trait::async_trait;
            use uuid::Uuid;

            use super::$store;
            use $crate::domain::access::Role;
            use $crate::store::accounts::*;
            use $crate::store::{AppRecord, StoreError, StoreResult};

            /// `Err(Duplicate)` for a unique violation, other errors as they are.
            fn duplicate_as_conflict(
                outcome: Result<impl Sized, StoreError>,
            ) -> StoreResult<Result<(), AccountConflict>> {
                match outcome {
                    Ok(_) => Ok(Ok(())),
                    Err(error) if error.is_unique_violation() => Ok(Err(AccountConflict::Duplicate)),
                    Err(error) => Err(error),
                }
            }

            fn role_of(text: &str) -> Role {
                // The column's check constraint allows only these two.
                Role::parse(text).unwrap_or(Role::Member)
            }

            #[async_trait]
            impl AccountStore for $store {
                async fn create_user(&self, user: &UserRecord) -> StoreResult<Result<(), AccountConflict>> {
                    let outcome = sqlx::query(
                        "insert into user_account (id, email, password_hash, created_at) values ($1, $2, $3, $4)",
                    )
                    .bind(user.id).bind(&user.email).bind(&user.password_hash).bind(user.created_at)
                    .execute(&self.write).await.map_err(StoreError::from);
                    duplicate_as_conflict(outcome)
                }

                async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
                    Ok(sqlx::query_as("select * from user_account where email = $1")
                        .bind(email).fetch_optional(&self.read).await?)
                }

                async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
                    Ok(sqlx::query_as("select * from user_account where id = $1")
                        .bind(id).fetch_optional(&self.read).await?)
                }

                async fn set_password(&self, user_id: Uuid, password_hash: &str, keep_session: Option<&str>) -> StoreResult<()> {
                    let mut tx = self.write.begin().await?;
                    sqlx::query("update user_account set password_hash = $2 where id = $1")
                        .bind(user_id).bind(password_hash).execute(&mut *tx).await?;
                    sqlx::query("delete from login_session where user_id = $1 and token_hash <> $2")
                        .bind(user_id).bind(keep_session.unwrap_or_default()).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn create_organization(&self, organization: &OrganizationRecord, owner: Uuid) -> StoreResult<Result<(), AccountConflict>> {
                    let mut tx = self.write.begin().await?;
                    let inserted = sqlx::query("insert into organization (id, name, created_at) values ($1, $2, $3)")
                        .bind(organization.id).bind(&organization.name).bind(organization.created_at)
                        .execute(&mut *tx).await.map_err(StoreError::from);
                    if let Err(conflict) = duplicate_as_conflict(inserted)? {
                        return Ok(Err(conflict));
                    }
                    sqlx::query("insert into membership (organization_id, user_id, role, created_at) values ($1, $2, 'owner', $3)")
                        .bind(organization.id).bind(owner).bind(organization.created_at)
                        .execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(Ok(()))
                }

                async fn organization_by_name(&self, name: &str) -> StoreResult<Option<OrganizationRecord>> {
                    Ok(sqlx::query_as("select * from organization where name = $1")
                        .bind(name).fetch_optional(&self.read).await?)
                }

                async fn organization(&self, id: Uuid) -> StoreResult<Option<OrganizationRecord>> {
                    Ok(sqlx::query_as("select * from organization where id = $1")
                        .bind(id).fetch_optional(&self.read).await?)
                }

                async fn memberships(&self, user_id: Uuid) -> StoreResult<Vec<Membership>> {
                    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
                        "select o.id, o.name, m.role from membership m \
                         join organization o on o.id = m.organization_id \
                         where m.user_id = $1 order by o.name",
                    )
                    .bind(user_id).fetch_all(&self.read).await?;
                    Ok(rows.into_iter().map(|(organization_id, organization_name, role)| Membership {
                        organization_id, organization_name, role: role_of(&role),
                    }).collect())
                }

                async fn members(&self, organization_id: Uuid) -> StoreResult<Vec<Member>> {
                    let rows: Vec<(Uuid, String, String, i64)> = sqlx::query_as(
                        "select u.id, u.email, m.role, m.created_at from membership m \
                         join user_account u on u.id = m.user_id \
                         where m.organization_id = $1 order by u.email",
                    )
                    .bind(organization_id).fetch_all(&self.read).await?;
                    Ok(rows.into_iter().map(|(user_id, email, role, created_at)| Member {
                        user_id, email, role: role_of(&role), created_at,
                    }).collect())
                }

                async fn set_membership(&self, organization_id: Uuid, user_id: Uuid, role: Role, now: i64) -> StoreResult<Result<(), AccountConflict>> {
                    let mut tx = self.write.begin().await?;
                    // Holding the organization's row serialises changes to its owners,
                    // so two owners demoting each other cannot leave it with none.
                    sqlx::query(concat!("select id from organization where id = $1 ", $for_update))
                        .bind(organization_id).fetch_optional(&mut *tx).await?;
                    // The update only happens when it keeps an owner: when the new role
                    // is owner, the member was no owner, or another owner remains.
                    let changed = sqlx::query(
                        "insert into membership (organization_id, user_id, role, created_at) values ($1, $2, $3, $4) \
                         on conflict (organization_id, user_id) do update set role = excluded.role \
                         where excluded.role = 'owner' or membership.role <> 'owner' \
                            or (select count(*) from membership o \
                                where o.organization_id = excluded.organization_id and o.role = 'owner') > 1",
                    )
                    .bind(organization_id).bind(user_id).bind(role.as_str()).bind(now)
                    .execute(&mut *tx).await?;
                    if changed.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(Err(AccountConflict::LastOwner));
                    }
                    tx.commit().await?;
                    Ok(Ok(()))
                }

                async fn remove_membership(&self, organization_id: Uuid, user_id: Uuid) -> StoreResult<Result<bool, AccountConflict>> {
                    let mut tx = self.write.begin().await?;
                    sqlx::query(concat!("select id from organization where id = $1 ", $for_update))
                        .bind(organization_id).fetch_optional(&mut *tx).await?;
                    let role: Option<String> = sqlx::query_scalar(
                        "select role from membership where organization_id = $1 and user_id = $2",
                    )
                    .bind(organization_id).bind(user_id).fetch_optional(&mut *tx).await?;
                    let Some(role) = role else {
                        return Ok(Ok(false));
                    };
                    if role_of(&role) == Role::Owner {
                        let owners: i64 = sqlx::query_scalar(
                            "select count(*) from membership where organization_id = $1 and role = 'owner'",
                        )
                        .bind(organization_id).fetch_one(&mut *tx).await?;
                        if owners <= 1 {
                            return Ok(Err(AccountConflict::LastOwner));
                        }
                    }
                    sqlx::query("delete from membership where organization_id = $1 and user_id = $2")
                        .bind(organization_id).bind(user_id).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(Ok(true))
                }

                async fn insert_login_session(&self, session: &LoginSessionRow) -> StoreResult<()> {
                    sqlx::query(
                        "insert into login_session (token_hash, user_id, created_at, last_seen_at, client_address) \
                         values ($1, $2, $3, $4, $5)",
                    )
                    .bind(&session.token_hash).bind(session.user_id).bind(session.created_at)
                    .bind(session.last_seen_at).bind(&session.client_address)
                    .execute(&self.write).await?;
                    Ok(())
                }

                async fn login_session(&self, token_hash: &str) -> StoreResult<Option<LoginSessionRow>> {
                    Ok(sqlx::query_as("select * from login_session where token_hash = $1")
                        .bind(token_hash).fetch_optional(&self.read).await?)
                }

                async fn touch_login_session(&self, token_hash: &str, at: i64) -> StoreResult<()> {
                    sqlx::query("update login_session set last_seen_at = $2 where token_hash = $1 and last_seen_at < $2")
                        .bind(token_hash).bind(at).execute(&self.write).await?;
                    Ok(())
                }

                async fn delete_login_session(&self, token_hash: &str) -> StoreResult<()> {
                    sqlx::query("delete from login_session where token_hash = $1")
                        .bind(token_hash).execute(&self.write).await?;
                    Ok(())
                }

                async fn prune_login_sessions(&self, idle_before: i64, created_before: i64) -> StoreResult<u64> {
                    let done = sqlx::query("delete from login_session where last_seen_at < $1 or created_at < $2")
                        .bind(idle_before).bind(created_before).execute(&self.write).await?;
                    Ok(done.rows_affected())
                }

                async fn insert_api_token(&self, token: &ApiTokenRow) -> StoreResult<()> {
                    sqlx::query(
                        "insert into api_token (id, user_id, name, token_hash, created_at, expires_at, revoked_at, last_used_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(token.id).bind(token.user_id).bind(&token.name).bind(&token.token_hash)
                    .bind(token.created_at).bind(token.expires_at).bind(token.revoked_at).bind(token.last_used_at)
                    .execute(&self.write).await?;
                    Ok(())
                }

                async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiTokenRow>> {
                    Ok(sqlx::query_as("select * from api_token where token_hash = $1")
                        .bind(token_hash).fetch_optional(&self.read).await?)
                }

                async fn api_tokens(&self, user_id: Uuid) -> StoreResult<Vec<ApiTokenRow>> {
                    Ok(sqlx::query_as("select * from api_token where user_id = $1 order by created_at desc, id desc")
                        .bind(user_id).fetch_all(&self.read).await?)
                }

                async fn revoke_api_token(&self, user_id: Uuid, token_id: Uuid, at: i64) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "update api_token set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null",
                    )
                    .bind(token_id).bind(user_id).bind(at).execute(&self.write).await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn touch_api_token(&self, token_id: Uuid, at: i64) -> StoreResult<()> {
                    sqlx::query("update api_token set last_used_at = $2 where id = $1")
                        .bind(token_id).bind(at).execute(&self.write).await?;
                    Ok(())
                }

                async fn create_app(&self, app: &AppRecord) -> StoreResult<Result<(), AccountConflict>> {
                    let outcome = sqlx::query(
                        "insert into app (id, organization_id, name, api_key, domain, recording, \
                         server_secret_hash, require_server_secret, created_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(app.id).bind(app.organization_id).bind(&app.name).bind(&app.api_key)
                    .bind(&app.domain).bind(app.recording).bind(&app.server_secret_hash)
                    .bind(app.require_server_secret).bind(app.created_at)
                    .execute(&self.write).await.map_err(StoreError::from);
                    duplicate_as_conflict(outcome)
                }

                async fn app(&self, id: Uuid) -> StoreResult<Option<AppRecord>> {
                    Ok(sqlx::query_as("select * from app where id = $1 and deleted_at is null")
                        .bind(id).fetch_optional(&self.read).await?)
                }

                async fn update_app(&self, id: Uuid, changes: &AppChanges) -> StoreResult<Result<Option<AppRecord>, AccountConflict>> {
                    // A null parameter keeps the column; `domain` has its own flag since
                    // null is also a value it can be set to.
                    let outcome = sqlx::query_as(
                        "update app set name = coalesce($2, name), \
                         domain = case when $3 then $4 else domain end, \
                         recording = coalesce($5, recording), \
                         require_server_secret = coalesce($6, require_server_secret), \
                         retention_days = coalesce($7, retention_days) \
                         where id = $1 and deleted_at is null returning *",
                    )
                    .bind(id).bind(&changes.name).bind(changes.domain.is_some())
                    .bind(changes.domain.clone().flatten()).bind(changes.recording)
                    .bind(changes.require_server_secret).bind(changes.retention_days)
                    .fetch_optional(&self.write).await.map_err(StoreError::from);
                    match outcome {
                        Ok(app) => Ok(Ok(app)),
                        Err(error) if error.is_unique_violation() => Ok(Err(AccountConflict::Duplicate)),
                        Err(error) => Err(error),
                    }
                }

                async fn rotate_app_key(&self, id: Uuid, new_key: &str, previous_valid_until: Option<i64>) -> StoreResult<Option<AppRecord>> {
                    Ok(sqlx::query_as(
                        "update app set previous_api_key = case when $3 is null then null else api_key end, \
                         previous_key_expires_at = $3, api_key = $2 \
                         where id = $1 and deleted_at is null returning *",
                    )
                    .bind(id).bind(new_key).bind(previous_valid_until)
                    .fetch_optional(&self.write).await?)
                }

                async fn delete_app(&self, id: Uuid, at: i64) -> StoreResult<bool> {
                    let done = sqlx::query("update app set deleted_at = $2 where id = $1 and deleted_at is null")
                        .bind(id).bind(at).execute(&self.write).await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn insert_audit(&self, row: &AuditRow) -> StoreResult<()> {
                    sqlx::query(
                        "insert into audit_event (id, organization_id, actor_user_id, actor, action, subject, detail, \
                         client_address, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(row.id).bind(row.organization_id).bind(row.actor_user_id).bind(&row.actor)
                    .bind(&row.action).bind(&row.subject).bind(&row.detail).bind(&row.client_address)
                    .bind(row.created_at)
                    .execute(&self.write).await?;
                    Ok(())
                }

                async fn audit(&self, organization_id: Uuid, before: Option<(i64, Uuid)>, limit: i64) -> StoreResult<Vec<AuditRow>> {
                    // Logins belong to no organization; an owner sees those of the
                    // organization's current members.
                    let (before_at, before_id) = before.unwrap_or((i64::MAX, Uuid::max()));
                    Ok(sqlx::query_as(
                        "select * from audit_event \
                         where (organization_id = $1 \
                                or (organization_id is null and actor_user_id in \
                                    (select user_id from membership where organization_id = $1))) \
                           and (created_at < $2 or (created_at = $2 and id < $3)) \
                         order by created_at desc, id desc limit $4",
                    )
                    .bind(organization_id).bind(before_at).bind(before_id).bind(limit)
                    .fetch_all(&self.read).await?)
                }
            }
        }
    };
}

pub(super) use sql_account_store;
