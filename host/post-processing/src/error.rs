use arrow_schema::ArrowError;

/// A post-processing step that cannot run: Superset's `InvalidPostProcessingError`.
/// The message is meant for the `message` of a 400 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PostProcessingError {
    message: String,
}

impl PostProcessingError {
    pub(crate) fn new(message: impl Into<String>) -> PostProcessingError {
        PostProcessingError {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<ArrowError> for PostProcessingError {
    fn from(error: ArrowError) -> PostProcessingError {
        PostProcessingError::new(format!("Post processing failed: {error}"))
    }
}

pub(crate) type Result<T> = std::result::Result<T, PostProcessingError>;
