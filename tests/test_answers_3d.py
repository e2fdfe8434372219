"""3-D answers (an embedding's [N, T, d]): typed as blocks, pasted as a nested list, shown as numpy's blocks."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from handgrad_cli.answers import describe_shape, read_values, shape_words
from handgrad_cli.errors import UserError
from handgrad_cli.numbers import as_typed, format_grid

BLOCKS = np.array([[[1, -2], [0.5, 3]], [[4, 5], [-6, 0.25]], [[7, 8], [9, 10]]])


@pytest.mark.parametrize("text", [
    "1, -2; 0.5, 3;; 4, 5; -6, 0.25;; 7, 8; 9, 10",
    "1,-2;0.5,3;;4,5;-6,0.25;;7,8;9,10;;",  # a trailing ';;' is harmless
    "[[[1, -2], [0.5, 3]], [[4, 5], [-6, 0.25]], [[7, 8], [9, 10]]]",  # as printed by numpy or PyTorch's tolist
    "[[[1, -2],  [0.5, 3]],  [[4, 5],  [-6, 1/4]],  [[7, 8],  [9, 10]]]",
])
def test_blocks_are_read_typed_or_pasted(text):
    np.testing.assert_array_equal(read_values(text, (3, 2, 2), "demb"), BLOCKS)


@pytest.mark.parametrize(("text", "message"), [
    ("1, -2; 0.5, 3;; 4, 5; -6, 0.25", "demb expects 3 blocks of 2 rows of 2 values, rows separated by ';', "
                                       "blocks by ';;'; you gave 2 block(s)"),
    ("1, -2; 0.5, 3;; 4, 5; -6;; 7, 8; 9, 10", "block 1 of demb expects 2 rows of 2 values, rows separated by ';'; "
                                              "you gave 2 rows of 1/2 values"),
])
def test_a_wrong_block_shape_is_one_clear_error(text, message):
    with pytest.raises(UserError, match=re.escape(message)):
        read_values(text, (3, 2, 2), "demb")


def test_twelve_numbers_on_one_line_are_read_flat_for_grading_to_name():
    assert read_values("1, -2, 0.5, 3, 4, 5, -6, 0.25, 7, 8, 9, 10", (3, 2, 2), "demb").shape == (12,)


def test_the_shape_is_said_in_words():
    assert shape_words((2, 3, 2)) == "2 blocks of 3 rows of 2 values"
    assert describe_shape((2, 3, 2)).endswith("blocks by ';;'")


def test_blocks_are_shown_aligned_as_numpy_prints_them():
    assert format_grid(BLOCKS[:2], 1) == ("[[[ 1.0, -2.0],\n"
                                          "  [ 0.5,  3.0]],\n"
                                          " [[ 4.0,  5.0],\n"
                                          "  [-6.0,  0.2]]]")
    assert as_typed(BLOCKS[:1], 1) == "1.0, -2.0; 0.5, 3.0"  # one block: the rows alone


def test_indices_are_shown_as_whole_numbers():
    assert format_grid(np.array([[1, 0], [2, 12]]), 3) == "[[ 1,  0],\n [ 2, 12]]"


@given(hnp.arrays(float, hnp.array_shapes(min_dims=3, max_dims=3, max_side=4),
                  elements=st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))))
def test_what_is_shown_or_typed_back_reads_as_the_same_blocks(value):
    np.testing.assert_allclose(read_values(as_typed(value), value.shape), value, atol=5e-4)
    pasted = format_grid(value).replace("\n", " ")
    np.testing.assert_allclose(read_values(pasted, value.shape), value, atol=5e-4)
