"""The one API that the command line (triage/cli/) and the app (screens/) call.

Each function that reads or changes the practice's records checks who may do what
(triage/rules.py) and runs in transactions of its own, so a screen and a command that do the same
thing do it the same way. Grouped by what a person does; each module is imported on its own, so
a command loads only what it uses. Each reads the time from the workspace's clock
(triage/clock.py), so a test passes a fixed one.

workspace: open_workspace, open_database_for, switch_user, user_names, add_user, change_role,
    remove_user, list_users, check_database_url, upgrade_database, log_out, check_name,
    no_login_role
database_roles: set_up_database_roles, role_plan, log_event_permissions
auth: log_in, log_out, change_password, reset_password, check_new_password, hash_password,
    read_password_file, password_source_from_environment
queue: queue_page, queue_items, queue_item, refresh_assessments, read_due_dates, save_original
deciding: find_request, prepare, decide, prepare_correction, correct, flag, claim, release,
    apply_policy, standing_decision
history: request_history, request_notes
policy: load_policy, check_policy_file, names_a_file, activate_policy, policy_in_force,
    policy_review_due, in_force_within, policy_history, assess, simulate, compare_policy,
    shipped_policy_ids
assignment: assign, hand_back, team_work, user_named, assignee_names
bulk: apply_to_each, listed
practice: practice_details, set_practice_details, queue_opening_order
importing: read_files, import_files, complete_details
inbox: import_arrivals, watch_inbox, import_settled
mesh: load_settings, fetch_mesh
log: log_page, verify_log, anchor_log
exports: export_log, export_letters, monthly_report, decision_statistics, suffix_format
serving: check_servable
safe_working: safe_working_today
changes: change_token, is_newer, latest
"""

__all__ = [
    "assignment",
    "auth",
    "bulk",
    "changes",
    "database_roles",
    "deciding",
    "exports",
    "history",
    "importing",
    "inbox",
    "log",
    "mesh",
    "policy",
    "practice",
    "queue",
    "safe_working",
    "serving",
    "workspace",
]
