//! Paginators: every page of a listing operation as a `Stream`, from the models'
//! `paginators-1.json`.
//!
//! `client.list_objects_v2().bucket("b").into_paginator().send()` is a
//! [`Stream`] of outputs, one per page; `.items()` flattens it into the
//! pages' items (the paginator's first result key: `Contents`, `Items`, `QueueUrls`).
//!
//! What each paginator needs is generated as one small [`Paginate`] impl (which output members
//! carry the next page's tokens into which input members, whether the output says there is
//! more, which member is the page size); the stream is this module's, written once:
//!
//! - A page is requested only when the stream is polled for it, and dropping the stream drops
//!   the request in flight: nothing is fetched that is not read.
//! - The last page is the one whose output tokens are unset or empty (or whose `more_results`
//!   member, such as S3's `IsTruncated`, is false).
//! - A service that answers with the tokens it was sent would make the stream loop forever:
//!   the page is returned, then the stream ends with an error saying so.
//! - A failed page ends the stream with its error; the pages before it have been returned.
//!
//! ```no_run
//! # use futures_util::StreamExt;
//! # async fn run<O>(paginator: ziggurat_runtime::paginator::Paginator<O>)
//! # where O: ziggurat_runtime::paginator::Paginate, O::Input: Clone + Default + Sync, O::Error: std::fmt::Debug + Send + 'static,
//! #   O::Output: ziggurat_core::metadata::HasMetadata {
//! let mut pages = paginator.page_size(100).send();
//! while let Some(page) = pages.next().await {
//!     let page = page.expect("a page");
//!     // ...
//! #   let _ = page;
//! }
//! # }
//! ```
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, TryStreamExt};
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::HasMetadata;
use ziggurat_core::operation::Operation;

use crate::Call;

/// What the model says of one paginator, as data (for callers that do not name its types, such
/// as the command line, which merges pages the way the aws CLI does).
#[derive(Debug)]
pub struct PaginatorSchema {
    /// The input members that take the next page's tokens (`ContinuationToken`).
    pub input_tokens: &'static [&'static str],
    /// The output expressions that give them (`NextContinuationToken`,
    /// `NextMarker || Contents[-1].Key`).
    pub output_tokens: &'static [&'static str],
    /// The input member that limits a page's size (`MaxKeys`), if any.
    pub limit_key: Option<&'static str>,
    /// The output member that says whether there are more pages (`IsTruncated`), if any.
    pub more_results: Option<&'static str>,
    /// The output members that hold the pages' results, merged across pages by the command
    /// line (the first is what [`PaginationStream::items`] yields).
    pub result_keys: &'static [&'static str],
    /// Output members that are not results but are kept when pages are merged
    /// (DynamoDB's `ConsumedCapacity`).
    pub non_aggregate_keys: &'static [&'static str],
}

/// The next page after an output.
#[derive(Debug, Clone, PartialEq)]
pub enum NextPage<I> {
    /// That was the last page.
    Done,
    /// The input of the next page.
    Page(I),
    /// The output's tokens are the ones the page was requested with: asking again would
    /// return the same page forever.
    Repeated,
}

/// A paginated operation: how one page's output leads to the next page's input. Generated
/// for every paginator of the models.
pub trait Paginate: Operation {
    /// The paginator as data.
    const PAGINATOR: &'static PaginatorSchema;
    /// The next page's input, from this page's input and output.
    fn next_page(input: &Self::Input, output: &Self::Output) -> NextPage<Self::Input>;
    /// Sets the page size (the paginator's limit key), when it has one.
    fn set_page_size(input: &mut Self::Input, size: i32);
}

/// A paginated operation whose pages hold a list of items (its first result key).
pub trait PaginateItems: Paginate {
    /// One item of a page.
    type Item: Send + 'static;
    /// The items of a page.
    fn items(output: Self::Output) -> Vec<Self::Item>;
}

/// A paginated call being prepared: the operation's call, and the page size.
pub struct Paginator<O: Operation> {
    call: Call<O>,
    page_size: Option<i32>,
}

impl<O: Operation> std::fmt::Debug for Paginator<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &O::NAME)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl<O> Paginator<O>
where
    O: Paginate,
    O::Input: Clone + Default + Sync,
    O::Output: HasMetadata,
    O::Error: Send + 'static,
{
    /// Paginates `call`: its input is the first page's.
    pub fn new(call: Call<O>) -> Self {
        Paginator {
            call,
            page_size: None,
        }
    }
    /// Asks for at most `size` results a page (the operation's limit member: `MaxKeys`,
    /// `Limit`, `MaxItems`). Operations without one ignore it.
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = Some(size);
        self
    }
    /// The pages, requested one by one as the stream is read.
    pub fn send(self) -> PaginationStream<O> {
        let mut call = self.call;
        if let Some(size) = self.page_size {
            O::set_page_size(call.input_mut(), size);
        }
        let pages = futures_util::stream::unfold(State::Next(call), |state| async move {
            match state {
                State::Next(call) => {
                    let next = call.clone();
                    match call.send().await {
                        Err(e) => Some((Err(e), State::Done)),
                        Ok(output) => {
                            let state = match O::next_page(next.input(), &output) {
                                NextPage::Done => State::Done,
                                NextPage::Page(input) => {
                                    let mut next = next;
                                    next.set_input(input);
                                    State::Next(next)
                                }
                                NextPage::Repeated => State::Repeated,
                            };
                            Some((Ok(output), state))
                        }
                    }
                }
                State::Repeated => {
                    let e = SdkError::response(
                        "the service returned the same pagination token it was sent; \
                         stopping instead of requesting the same page forever",
                    )
                    .map_service_error(O::Error::from)
                    .with_operation(O::SERVICE, O::NAME);
                    Some((Err(e), State::Done))
                }
                State::Done => None,
            }
        });
        PaginationStream {
            pages: Box::pin(pages),
        }
    }
}

enum State<O: Operation> {
    Next(Call<O>),
    Repeated,
    Done,
}

/// A boxed, sendable stream.
type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send>>;

/// The pages of a paginated call: a `Stream` of outputs, each `Ok` or the error that ended it.
pub struct PaginationStream<O: Operation> {
    pages: BoxStream<Result<O::Output, SdkError<O::Error>>>,
}

impl<O: Operation> Stream for PaginationStream<O> {
    type Item = Result<O::Output, SdkError<O::Error>>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pages.as_mut().poll_next(cx)
    }
}

impl<O: Operation> std::fmt::Debug for PaginationStream<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaginationStream")
            .field("operation", &O::NAME)
            .finish()
    }
}

impl<O> PaginationStream<O>
where
    O: PaginateItems,
    O::Error: Send + 'static,
{
    /// The items of every page, one by one (pages are still fetched one at a time, as the
    /// items are read).
    pub fn items(self) -> ItemStream<O::Item, SdkError<O::Error>> {
        let items = self
            .pages
            .map_ok(|page| futures_util::stream::iter(O::items(page).into_iter().map(Ok)))
            .try_flatten();
        ItemStream {
            items: Box::pin(items),
        }
    }
}

/// The items of a paginated call's pages.
pub struct ItemStream<T, E> {
    items: BoxStream<Result<T, E>>,
}

impl<T, E> Stream for ItemStream<T, E> {
    type Item = Result<T, E>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.as_mut().poll_next(cx)
    }
}

impl<T, E> std::fmt::Debug for ItemStream<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ItemStream")
    }
}

/// Whether a token is unset: absent, or empty (an empty string, list or map). Generated
/// paginators end on an unset token.
pub fn is_unset<T: ziggurat_core::schema::ser::SerializeValue>(token: &Option<T>) -> bool {
    ziggurat_core::schema::ser::SerializeValue::is_unset(token)
}

/// The paginator of an operation, for callers that do not name its types (the command line):
/// its schema, and its [`Paginate`] functions over erased inputs and outputs.
#[derive(Clone, Copy)]
pub struct PaginatorEntry {
    /// The paginator as data.
    pub schema: &'static PaginatorSchema,
    /// The next page's input.
    pub next_page: fn(
        &ziggurat_core::hook::Input,
        &ziggurat_core::hook::Output,
    ) -> NextPage<ziggurat_core::hook::Input>,
    /// Sets the page size.
    pub set_page_size: fn(&mut ziggurat_core::hook::Input, i32),
}

impl std::fmt::Debug for PaginatorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaginatorEntry")
            .field("schema", &self.schema)
            .finish()
    }
}

impl PaginatorEntry {
    /// The entry of a generated paginator.
    pub const fn of<O>() -> PaginatorEntry
    where
        O: Paginate,
        O::Input: Clone,
    {
        PaginatorEntry {
            schema: O::PAGINATOR,
            next_page: erased_next_page::<O>,
            set_page_size: erased_set_page_size::<O>,
        }
    }
}

fn erased_next_page<O>(
    input: &ziggurat_core::hook::Input,
    output: &ziggurat_core::hook::Output,
) -> NextPage<ziggurat_core::hook::Input>
where
    O: Paginate,
{
    match (
        input.downcast_ref::<O::Input>(),
        output.downcast_ref::<O::Output>(),
    ) {
        (Some(input), Some(output)) => match O::next_page(input, output) {
            NextPage::Page(next) => NextPage::Page(Box::new(next)),
            NextPage::Done => NextPage::Done,
            NextPage::Repeated => NextPage::Repeated,
        },
        _ => NextPage::Done,
    }
}

fn erased_set_page_size<O: Paginate>(input: &mut ziggurat_core::hook::Input, size: i32) {
    if let Some(input) = input.downcast_mut::<O::Input>() {
        O::set_page_size(input, size);
    }
}
