//! Label selectors (`labelSelector=` query parameter and `--node-selector`).
//!
//! Grammar (as `labels.Parse`): `req (',' req)*` with `req` one of `key`, `!key`, `key=v`,
//! `key==v`, `key!=v`, `key in (v1,v2)`, `key notin (v1,v2)`, `key>n`, `key<n`. Whitespace around
//! tokens is ignored. Keys must be qualified names (optional DNS-subdomain prefix and `/`), values
//! valid label values (possibly empty). Semantics: `!=` and `notin` also match objects without the
//! key; `>`/`<` need the label to parse as an integer.

use std::collections::BTreeMap;

use super::SelectorError;

/// Operator of one label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelOp {
    /// `key=v`, `key==v` and `key in (..)`: present with one of the values.
    In(Vec<String>),
    /// `key!=v` and `key notin (..)`: absent or none of the values.
    NotIn(Vec<String>),
    /// `key`: present.
    Exists,
    /// `!key`: absent.
    DoesNotExist,
    /// `key>n`: present and an integer greater than `n`.
    GreaterThan(i64),
    /// `key<n`: present and an integer less than `n`.
    LessThan(i64),
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRequirement {
    /// Label key.
    pub key: String,
    /// Operator and operands.
    pub op: LabelOp,
}

impl LabelRequirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match &self.op {
            LabelOp::In(values) => value.is_some_and(|v| values.contains(v)),
            LabelOp::NotIn(values) => value.is_none_or(|v| !values.contains(v)),
            LabelOp::Exists => value.is_some(),
            LabelOp::DoesNotExist => value.is_none(),
            LabelOp::GreaterThan(n) => value.and_then(|v| v.parse::<i64>().ok()).is_some_and(|v| v > *n),
            LabelOp::LessThan(n) => value.and_then(|v| v.parse::<i64>().ok()).is_some_and(|v| v < *n),
        }
    }
}

/// A conjunction of label requirements; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// Requirements, all of which must hold.
    pub requirements: Vec<LabelRequirement>,
}

impl LabelSelector {
    /// Parses `input` like `labels.Parse`.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        Parser { input, tokens: lex(input), pos: 0 }.selector()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// This selector with `other`'s requirements added (logical and) (used for `--node-selector`).
    #[must_use]
    pub fn and(mut self, other: &LabelSelector) -> Self {
        self.requirements.extend(other.requirements.iter().cloned());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Bang,
    Eq,
    DoubleEq,
    NotEq,
    Gt,
    Lt,
    Comma,
    Open,
    Close,
}

impl Token {
    fn text(&self) -> String {
        match self {
            Self::Ident(s) => s.clone(),
            Self::Bang => "!".into(),
            Self::Eq => "=".into(),
            Self::DoubleEq => "==".into(),
            Self::NotEq => "!=".into(),
            Self::Gt => ">".into(),
            Self::Lt => "<".into(),
            Self::Comma => ",".into(),
            Self::Open => "(".into(),
            Self::Close => ")".into(),
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '!' | '=' | '>' | '<' | ',' | '(' | ')') || c.is_whitespace()
}

fn lex(input: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let next_is_eq = chars.peek().is_some_and(|(_, n)| *n == '=');
        let token = match c {
            c if c.is_whitespace() => continue,
            '!' if next_is_eq => {
                chars.next();
                Token::NotEq
            }
            '!' => Token::Bang,
            '=' if next_is_eq => {
                chars.next();
                Token::DoubleEq
            }
            '=' => Token::Eq,
            '>' => Token::Gt,
            '<' => Token::Lt,
            ',' => Token::Comma,
            '(' => Token::Open,
            ')' => Token::Close,
            _ => {
                let mut end = start + c.len_utf8();
                while let Some((i, n)) = chars.peek().copied() {
                    if is_special(n) {
                        break;
                    }
                    end = i + n.len_utf8();
                    chars.next();
                }
                Token::Ident(input[start..end].to_owned())
            }
        };
        tokens.push(token);
    }
    tokens
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self, expected: &'static str) -> Result<Token, SelectorError> {
        let token = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or_else(|| SelectorError::UnexpectedEnd { expected, input: self.input.to_owned() })?;
        self.pos += 1;
        Ok(token)
    }

    fn unexpected(&self, token: &Token, expected: &'static str) -> SelectorError {
        SelectorError::UnexpectedToken { found: token.text(), expected, input: self.input.to_owned() }
    }

    fn selector(mut self) -> Result<LabelSelector, SelectorError> {
        let mut requirements = Vec::new();
        if self.tokens.is_empty() {
            return Ok(LabelSelector { requirements });
        }
        loop {
            requirements.push(self.requirement()?);
            match self.peek() {
                None => break,
                Some(Token::Comma) => {
                    self.pos += 1;
                }
                Some(other) => return Err(self.unexpected(&other.clone(), "','")),
            }
        }
        Ok(LabelSelector { requirements })
    }

    fn key(&mut self) -> Result<String, SelectorError> {
        match self.next("identifier")? {
            Token::Ident(key) => {
                validate_key(&key)?;
                Ok(key)
            }
            other => Err(self.unexpected(&other, "identifier")),
        }
    }

    fn requirement(&mut self) -> Result<LabelRequirement, SelectorError> {
        if self.peek() == Some(&Token::Bang) {
            self.pos += 1;
            let key = self.key()?;
            return Ok(LabelRequirement { key, op: LabelOp::DoesNotExist });
        }
        let key = self.key()?;
        let op = match self.peek() {
            None | Some(Token::Comma) => {
                return Ok(LabelRequirement { key, op: LabelOp::Exists });
            }
            Some(_) => self.next("operator")?,
        };
        let op = match op {
            Token::Eq | Token::DoubleEq => LabelOp::In(vec![self.single_value()?]),
            Token::NotEq => LabelOp::NotIn(vec![self.single_value()?]),
            Token::Gt => LabelOp::GreaterThan(self.integer(&key)?),
            Token::Lt => LabelOp::LessThan(self.integer(&key)?),
            Token::Ident(word) if word == "in" => LabelOp::In(self.value_set(&key)?),
            Token::Ident(word) if word == "notin" => LabelOp::NotIn(self.value_set(&key)?),
            other => return Err(self.unexpected(&other, "=, !=, ==, in, notin, >, <")),
        };
        Ok(LabelRequirement { key, op })
    }

    /// A value after `=`, `==` or `!=`; may be empty (`key=`).
    fn single_value(&mut self) -> Result<String, SelectorError> {
        match self.peek() {
            None | Some(Token::Comma) => Ok(String::new()),
            Some(Token::Ident(value)) => {
                let value = value.clone();
                self.pos += 1;
                validate_value(&value)?;
                Ok(value)
            }
            Some(other) => Err(self.unexpected(&other.clone(), "identifier")),
        }
    }

    fn integer(&mut self, key: &str) -> Result<i64, SelectorError> {
        match self.next("identifier")? {
            Token::Ident(value) => value
                .parse()
                .map_err(|_| SelectorError::NotAnInteger { key: key.to_owned(), value: value.clone() }),
            other => Err(self.unexpected(&other, "identifier")),
        }
    }

    /// `( v1, v2, ... )`; empty members are allowed (`(a,)` holds `a` and the empty string), an
    /// empty set is not.
    fn value_set(&mut self, key: &str) -> Result<Vec<String>, SelectorError> {
        match self.next("'('")? {
            Token::Open => {}
            other => return Err(self.unexpected(&other, "'('")),
        }
        let mut values = Vec::new();
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            return Err(SelectorError::EmptyValueSet(key.to_owned()));
        }
        let mut expect_value = true;
        loop {
            match self.next("')'")? {
                Token::Ident(value) if expect_value => {
                    validate_value(&value)?;
                    values.push(value);
                    expect_value = false;
                }
                Token::Comma => {
                    if expect_value {
                        values.push(String::new());
                    }
                    expect_value = true;
                }
                Token::Close => {
                    if expect_value {
                        values.push(String::new());
                    }
                    break;
                }
                other => return Err(self.unexpected(&other, "',' or ')'")),
            }
        }
        values.sort();
        values.dedup();
        Ok(values)
    }
}

const NAME_RULE: &str = "must be 63 characters or less, begin and end with an alphanumeric character and \
                         contain only alphanumerics, '-', '_' or '.'";
const PREFIX_RULE: &str = "prefix must be a lowercase RFC 1123 subdomain of at most 253 characters";

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters (empty handled by callers).
fn is_label_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn validate_key(key: &str) -> Result<(), SelectorError> {
    let invalid = |why| SelectorError::InvalidKey { key: key.to_owned(), why };
    let name = match key.split_once('/') {
        Some((prefix, name)) => {
            if !is_dns_subdomain(prefix) {
                return Err(invalid(PREFIX_RULE));
            }
            name
        }
        None => key,
    };
    if is_label_name(name) { Ok(()) } else { Err(invalid(NAME_RULE)) }
}

fn validate_value(value: &str) -> Result<(), SelectorError> {
    if value.is_empty() || is_label_name(value) {
        Ok(())
    } else {
        Err(SelectorError::InvalidValue { value: value.to_owned(), why: NAME_RULE })
    }
}
