"""The cheap corpus backend of mention_sentiment: same token ids, capped context, pruned export, accuracy kept."""
from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.articles.mention_sentiment import CONTEXT_TOKENS, MentionTargets, onnx_available
from analysis.articles.targeted import MINILM_ARTIFACT, minilm_available

needs_minilm = pytest.mark.skipif(not (minilm_available() and MINILM_ARTIFACT.is_file()), reason="MiniLM extra not installed")
needs_onnx = pytest.mark.skipif(not onnx_available(), reason="MiniLM extra / onnxruntime not installed")

def _item(sentence: str, target: str) -> tuple[str, int, int]:
    start = sentence.index(target)
    return sentence, start, start + len(target)


ITEMS = [
    _item("Smith praised the plan.", "Smith"),
    _item("It was a bad week for Jones.", "Jones"),
    _item("Critics said Müller's café policy, backed by the Bundestag, was a “disaster” for Zoë Ó Briain.", "Müller"),
    _item("A very long sentence about nothing in particular keeps going and going before it finally names "
          "Senator Elizabeth Warren, who then says many more things about taxes, banks, regulators and the "
          "economy at large.", "Elizabeth Warren"),
]


@needs_minilm
def test_piece_encoder_gives_the_float_models_token_ids():
    from analysis.articles.mention_sentiment import PieceEncoder
    from analysis.articles.targeted import load_targeted_model

    base = load_targeted_model(MINILM_ARTIFACT)
    enc = PieceEncoder(side=base.encode.side, target=base.encode.target)
    assert enc.encode_all(ITEMS) == [base.encode(item) for item in ITEMS]


def _split(ids, marker, close):
    """[CLS] left [open] target [close] right [SEP] → (left, target, right)."""
    c = ids.index(close, marker + 1)
    return ids[1:marker], ids[marker + 1:c], ids[c + 1:-1]


@needs_minilm
def test_context_cap_keeps_the_nearest_pieces_and_the_whole_target():
    from analysis.articles.mention_sentiment import PieceEncoder

    full_enc = PieceEncoder(side=60, target=20)
    full = full_enc.encode_all(ITEMS)
    for cap in (0, 3):
        capped = PieceEncoder(side=60, target=20, context_tokens=cap).encode_all(ITEMS)
        for (ids, marker), (full_ids, full_marker) in zip(capped, full):
            f_left, f_target, f_right = _split(full_ids, full_marker, full_enc.close)
            left, target, right = _split(ids, marker, full_enc.close)
            assert target == f_target
            assert len(left) == min(cap, len(f_left)) and len(right) == min(cap, len(f_right))
            assert left == f_left[len(f_left) - len(left):] and right == f_right[: len(right)]
            assert ids[marker] == full_enc.open and marker == len(left) + 1
    # at 16 the short items keep all their context, the long one is cut
    capped16 = PieceEncoder(side=60, target=20, context_tokens=16).encode_all(ITEMS)
    assert [len(ids) for ids, _ in capped16[:2]] == [len(ids) for ids, _ in full[:2]]
    assert len(capped16[3][0]) < len(full[3][0])


@needs_minilm
@pytest.mark.parametrize("which", ["report", "corpus"])
def test_exported_graph_computes_the_float_network(which):
    """The export runs the last layer only at [CLS] and the marker: same logits as the network
    (the 6-layer model of the reports and the shallower one of corpus runs, when committed)."""
    import torch

    from analysis.articles.mention_sentiment import _Export
    from analysis.articles.targeted import CORPUS_ARTIFACT, _pad, load_targeted_model

    if which == "corpus" and not CORPUS_ARTIFACT.is_file():
        pytest.skip("no corpus model committed")
    base = load_targeted_model(MINILM_ARTIFACT if which == "report" else CORPUS_ARTIFACT)
    batch = _pad([base.encode(item) for item in ITEMS])
    with torch.inference_mode():
        want = base.net.eval()(*batch)
        got = _Export.module(base.net)(*batch)
    assert torch.allclose(want, got, atol=1e-4)
    assert want.argmax(dim=1).tolist() == got.argmax(dim=1).tolist()


@needs_onnx
def test_corpus_backend_keeps_newsmtsc_accuracy(data_dir):
    """What corpus runs use (int8 ONNX, context capped at CONTEXT_TOKENS) stays within .01 of
    the float model's .777 macro-F1 on NewsMTSC devtest_rw."""
    from analysis.articles.mention_sentiment import load_mention_model
    from analysis.articles.targeted import evaluate_model, load_newsmtsc

    path = data_dir / "newsmtsc" / "devtest_rw.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    model = load_mention_model("onnx-int8", threads=1, context_tokens=CONTEXT_TOKENS)
    assert model.encode.side == CONTEXT_TOKENS
    assert evaluate_model(model, load_newsmtsc(path))["f1_macro"] >= 0.767


def test_mention_targets_cap_the_context_by_default():
    assert MentionTargets().context_tokens == CONTEXT_TOKENS
    assert MentionTargets(context_tokens=None).context_tokens is None


@needs_onnx
def test_onnx_backend_loads_without_transformers(tmp_path):
    """A corpus worker gets the ONNX model with onnxruntime and tokenizers only."""
    from analysis.articles.mention_sentiment import onnx_artifact

    onnx_artifact()  # built here (needs torch) when missing, as the corpus driver does
    code = ("import sys; from analysis.articles.mention_sentiment import OnnxMiniLM; "
            "m = OnnxMiniLM(threads=1, context_tokens=16); "
            "p = m.predict_proba([('Smith praised the plan.', 0, 5)]); "
            "assert p.shape == (1, 3); print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
