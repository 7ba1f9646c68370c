"""Kept only for components/person_request.py, which the lead is changing: the Vietnamese text
rules live in `caredesk_rules.vietnamese`. Delete this file once person_request.py imports from
there."""

from caredesk_rules.vietnamese import expand_teen_code, fold, squeeze_repeats

__all__ = ["expand_teen_code", "fold", "squeeze_repeats"]
