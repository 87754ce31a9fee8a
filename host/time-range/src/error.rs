/// Why a time range was rejected. The texts are Superset's own, so the API can pass
/// `to_string()` through as the `message` of a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeRangeError {
    /// A bare "7 days": Superset refuses to guess the direction.
    #[error("Time string is ambiguous. Please specify [{0} ago] or [{0} later].")]
    Ambiguous(String),
    #[error("Cannot parse time string [{0}]")]
    Unparseable(String),
    #[error("From date cannot be larger than to date")]
    SinceAfterUntil,
    /// A DATEADD/DATETRUNC/... expression that does not follow the grammar.
    #[error("Invalid time expression [{expression}]: {reason}")]
    InvalidExpression { expression: String, reason: String },
    /// Arithmetic left the calendar chrono can represent.
    #[error("Time is out of range: {0}")]
    OutOfRange(String),
}
