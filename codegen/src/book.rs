//! Rule book.
