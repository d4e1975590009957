//! Back-office utilities for service_role.
use crate::platform::caller::Caller;
use crate::platform::error::raise;
use pgrx::prelude::*;

/// The columns of a table of `public` (the seed's utility). service_role only.
#[pg_extern(stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_table_columns(
    table_name: String,
) -> TableIterator<
    'static,
    (
        name!(column_name, String),
        name!(data_type, String),
        name!(is_nullable, bool),
        name!(column_default, Option<String>),
    ),
> {
    if Caller::current() != Caller::Service {
        raise(PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE, "service_role only", None, None);
    }
    let rows = Spi::connect(|client| {
        client
            .select(
                "select column_name::text, data_type::text, is_nullable = 'YES', column_default::text
                   from information_schema.columns
                  where table_schema = 'public' and table_name = $1
                  order by ordinal_position",
                None,
                &[table_name.into()],
            )
            .map(|t| {
                t.map(|r| {
                    (
                        r.get::<String>(1).ok().flatten().unwrap_or_default(),
                        r.get::<String>(2).ok().flatten().unwrap_or_default(),
                        r.get::<bool>(3).ok().flatten().unwrap_or(true),
                        r.get::<String>(4).ok().flatten(),
                    )
                })
                .collect::<Vec<_>>()
            })
    })
    .unwrap_or_else(|e| error!("aurora: {e}"));
    TableIterator::new(rows)
}
