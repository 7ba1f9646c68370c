from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.turn_guard_policy import MAX_ACTIONS_PER_TURN, must_listen


def tracker(*events):
    return DialogueStateTracker.from_events("c1", list(events))


def user():
    return UserUttered("hmm", {"name": "nlu_fallback", "confidence": 1.0})


def test_a_whole_answer_is_followed_by_listening():
    assert must_listen(
        tracker(ActionExecuted(ACTION_LISTEN_NAME), user(), ActionExecuted("action_clarify"))
    )
    assert must_listen(
        tracker(
            ActionExecuted(ACTION_LISTEN_NAME), user(), ActionExecuted("action_default_fallback")
        )
    )
    assert not must_listen(
        tracker(ActionExecuted(ACTION_LISTEN_NAME), user(), ActionExecuted("action_answer_faq"))
    )


def test_a_turn_never_reaches_rasas_circuit_breaker():
    actions = [ActionExecuted("action_out_of_scope")] * (MAX_ACTIONS_PER_TURN - 1)
    assert not must_listen(tracker(ActionExecuted(ACTION_LISTEN_NAME), user(), *actions))
    more = [*actions, ActionExecuted("action_out_of_scope")]
    assert must_listen(tracker(ActionExecuted(ACTION_LISTEN_NAME), user(), *more))
    assert MAX_ACTIONS_PER_TURN < 10  # Rasa trips at 10 and then never answers again
