//! What a person types as the server address, made into a base URL.

use crate::error::{AgentError, AgentResult};

/// `http(s)://host[:port][/path]` without a trailing slash. A bare host gets `https://`,
/// except loopback hosts, which get `http://`.
pub fn normalize(input: &str) -> AgentResult<String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(AgentError::Invalid("Enter the server's address.".into()));
    }
    let with_scheme = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_owned()
    } else if s.contains("://") {
        return Err(AgentError::Invalid(format!(
            "{s} is not an http:// or https:// address."
        )));
    } else if s.starts_with("localhost") || s.starts_with("127.") || s.starts_with("[::1]") {
        format!("http://{s}")
    } else {
        format!("https://{s}")
    };
    let with_scheme = with_scheme.trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&with_scheme)
        .map_err(|e| AgentError::Invalid(format!("{s} is not a valid address: {e}.")))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(AgentError::Invalid(format!("{s} has no host name.")));
    }
    Ok(with_scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_people_type() {
        assert_eq!(
            normalize(" https://chat.example.com/ ").unwrap(),
            "https://chat.example.com"
        );
        assert_eq!(
            normalize("chat.example.com").unwrap(),
            "https://chat.example.com"
        );
        assert_eq!(
            normalize("localhost:8080").unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(normalize("127.0.0.1:9/").unwrap(), "http://127.0.0.1:9");
        assert!(normalize("").is_err());
        assert!(normalize("ftp://x.example.com").is_err());
        assert!(normalize("http://").is_err());
    }
}
