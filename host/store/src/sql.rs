//! A small SQL builder: text plus positional binds, numbered `$1, $2, ...` (which both
//! SQLite and PostgreSQL accept). User values only ever travel as binds.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Encode, Executor, Type};

#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    args: AnyArguments<'static>,
    binds: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            ..Default::default()
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        self.binds += 1;
        self.text.push('$');
        self.text.push_str(&self.binds.to_string());
        // Encoding into the Any buffer only fails for types Any cannot carry, which the
        // signature already rules out.
        self.args.add(value).expect("value encodes for Any");
        self
    }

    /// `, $n`: binds `value` as the next item of a comma-separated list.
    pub fn value<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        self.push(", ").bind(value)
    }

    /// Adds the value for the next placeholder the text already holds (for a `$1` used
    /// more than once).
    pub fn bind_first<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        self.binds += 1;
        self.args.add(value).expect("value encodes for Any");
        self
    }

    /// `$a, $b, ...` for each value, comma-separated.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    pub async fn fetch_all<'e, E>(self, executor: E) -> Result<Vec<AnyRow>, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .fetch_all(executor)
            .await
    }

    pub async fn fetch_optional<'e, E>(self, executor: E) -> Result<Option<AnyRow>, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .fetch_optional(executor)
            .await
    }

    pub async fn fetch_one<'e, E>(self, executor: E) -> Result<AnyRow, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .fetch_one(executor)
            .await
    }

    /// Runs a statement and returns how many rows it touched.
    pub async fn execute<'e, E>(self, executor: E) -> Result<u64, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        Ok(sqlx::query_with(&self.text, self.args)
            .execute(executor)
            .await?
            .rows_affected())
    }
}
