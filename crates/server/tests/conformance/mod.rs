//! The cases of the store conformance suite, and the macro that runs them against one store.
#![allow(dead_code)]

pub mod assignment;
pub mod bed;
pub mod configuration;
pub mod conversations;
pub mod delivery_order;
pub mod developer_api;
pub mod idempotence;
pub mod jobs;
pub mod leases;
pub mod log;
pub mod presence;
pub mod refusals;
pub mod retry;
pub mod text;
pub mod visibility;
pub mod workspace;

/// One `#[tokio::test]` per case, in a module named after the store; `$open` makes the test
/// bed (or `None`: the store is not available in this run).
macro_rules! store_conformance_tests {
    ($store:ident, $open:path) => {
        mod $store {
            store_conformance_tests!(@cases $open;
                log::seqs_commit_in_order_without_gaps_under_concurrent_writers,
                log::every_commit_is_published_in_seq_order,
                idempotence::a_client_id_sent_twice_at_once_gives_one_message,
                idempotence::an_mid_received_twice_at_once_is_stored_once,
                idempotence::a_new_contact_writing_on_several_connections_is_one_contact,
                conversations::concurrent_opens_leave_one_open_conversation,
                conversations::concurrent_first_replies_open_one_conversation,
                visibility::scopes_choose_contacts_by_their_assignee,
                visibility::the_log_reads_with_the_assignees_of_now,
                jobs::a_job_is_due_until_finished_and_never_after,
                leases::concurrent_claimers_never_get_the_same_job,
                leases::an_expired_lease_is_taken_over_and_a_renewed_one_is_not,
                leases::a_finished_job_is_never_claimed_again_and_a_retried_one_is_free,
                presence::presence_recorded_on_one_handle_is_read_on_every_handle,
                assignment::round_robin_splits_concurrent_assignments_evenly,
                assignment::least_open_keeps_the_cap_under_concurrent_assignments,
                retry::a_transaction_that_met_a_concurrent_one_runs_again_and_commits_once,
                retry::a_transaction_that_never_gets_through_gives_up_leaving_nothing,
                text::texts_are_kept_as_written_or_refused_as_invalid,
                refusals::a_refused_write_leaves_nothing_and_the_writes_around_it_commit,
                refusals::concurrent_writes_that_all_succeed_run_once_each,
                configuration::configuration_reads_follow_earlier_writes_and_never_undone_ones,
                developer_api::tokens_contacts_by_address_and_echoes_keep_their_promises,
                delivery_order::a_later_message_waits_for_the_older_ones_to_the_same_contact,
            );
        }
    };
    (@cases $open:path; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                if let Some(bed) = $open().await {
                    crate::conformance::$module::$case(bed).await;
                }
            }
        )*
    };
}
