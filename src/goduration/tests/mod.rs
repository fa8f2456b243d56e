mod format;
mod parse;
