"""The intents an article may declare: the 77 BANKING77 category names (exactly as spelled in
``banking77/categories.json``, Casanueva et al. 2020, CC BY 4.0) plus Attune's extra intents.

>>> len(BANKING77_INTENTS), len(EXTRA_INTENTS), "card_arrival" in ALL_INTENTS
(77, 52, True)
"""

from __future__ import annotations

BANKING77_INTENTS: tuple[str, ...] = (
    "card_arrival", "card_linking", "exchange_rate", "card_payment_wrong_exchange_rate",
    "extra_charge_on_statement", "pending_cash_withdrawal", "fiat_currency_support", "card_delivery_estimate",
    "automatic_top_up", "card_not_working", "exchange_via_app", "lost_or_stolen_card", "age_limit",
    "pin_blocked", "contactless_not_working", "top_up_by_bank_transfer_charge", "pending_top_up",
    "cancel_transfer", "top_up_limits", "wrong_amount_of_cash_received", "card_payment_fee_charged",
    "transfer_not_received_by_recipient", "supported_cards_and_currencies", "getting_virtual_card",
    "card_acceptance", "top_up_reverted", "balance_not_updated_after_cheque_or_cash_deposit",
    "card_payment_not_recognised", "edit_personal_details", "why_verify_identity",
    "unable_to_verify_identity",
    "get_physical_card", "visa_or_mastercard", "topping_up_by_card", "disposable_card_limits",
    "compromised_card", "atm_support", "direct_debit_payment_not_recognised", "passcode_forgotten",
    "declined_cash_withdrawal", "pending_card_payment", "lost_or_stolen_phone", "request_refund",
    "declined_transfer", "Refund_not_showing_up", "declined_card_payment", "pending_transfer",
    "terminate_account", "card_swallowed", "transaction_charged_twice", "verify_source_of_funds",
    "transfer_timing", "reverted_card_payment?", "change_pin", "beneficiary_not_allowed",
    "transfer_fee_charged", "receiving_money", "failed_transfer", "transfer_into_account", "verify_top_up",
    "getting_spare_card", "top_up_by_cash_or_cheque", "order_physical_card", "virtual_card_not_working",
    "wrong_exchange_rate_for_cash_withdrawal", "get_disposable_virtual_card", "top_up_failed",
    "balance_not_updated_after_bank_transfer", "cash_withdrawal_not_recognised", "exchange_charge",
    "top_up_by_card_charge", "activate_my_card", "cash_withdrawal_charge", "card_about_to_expire",
    "apple_pay_or_google_pay", "verify_my_identity", "country_support",
)  # fmt: skip

EXTRA_INTENTS: tuple[str, ...] = (
    "financial_difficulty",
    "bereavement",
    "fraud_or_scam",
    "complaint",
    "vulnerability_support",
    "savings_and_interest",
    "loans_and_credit",
    "overdraft",
    "investing_basics",
    "budgeting",
    # issue #18 (breadth): what retail-bank customers ask that BANKING77 lacks
    "sending_money",
    "international_transfer",
    "transfer_limits",
    "confirmation_of_payee",
    "wrong_account_payment",
    "standing_order",
    "direct_debit_setup",
    "card_subscription",
    "failed_direct_debit",
    "card_dispute",
    "section_75",
    "gambling_block",
    "travel_notice",
    "card_controls",
    "app_fraud_reimbursement",
    "account_restricted",
    "financial_abuse",
    "new_phone",
    "open_account",
    "joint_account",
    "statements",
    "proof_of_address",
    "account_switching",
    "account_fees",
    "business_account",
    "chequebook",
    "moving_abroad",
    "carer_support",
    "children_savings",
    "isa",
    "savings_tax",
    "savings_interest_calculation",
    "change_repayment_date",
    "loan_repayment_difficulty",
    "overdraft_difficulty",
    "loan_early_repayment",
    "credit_file",
    "credit_card",
    "mortgage",
    "deceased_account",
    "contact_us",
    "data_privacy",
)

ALL_INTENTS: tuple[str, ...] = BANKING77_INTENTS + EXTRA_INTENTS
OUT_OF_SCOPE = "out_of_scope"  # the routing head's extra class for queries the knowledge base cannot answer
