import re
"""The answer reader: numbers and whitelisted arithmetic in, a value or one clear error out."""

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.answers import MAX_VALUE_CHARS, read_named_answers, read_number, read_rows, read_values
from handgrad_cli.errors import UserError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.25", 0.25),
        (" -0.335 ", -0.335),
        ("1e-3", 0.001),
        ("0.665 - 1", 0.665 - 1),
        ("(1 - 0.7071**2) * 1", 1 - 0.7071**2),
        ("exp(2)/(exp(2)+exp(1)+1)", math.exp(2) / (math.exp(2) + math.exp(1) + 1)),
        ("1 - tanh(0.8814)**2", 1 - math.tanh(0.8814) ** 2),
        ("sqrt(4) + log(e)", 3.0),
        ("sigmoid(0.5) - 1", 1 / (1 + math.exp(-0.5)) - 1),
        ("sigmoid(-800)", 0.0),  # finite where 1 / (1 + exp(800)) would overflow
        ("−0.335", -0.335),  # a Unicode minus, as pasted from the lesson
        ("0.5^2", 0.25),
        ("2·3", 6.0),
        ("-2**2", -4.0),
    ],
)
def test_numbers_and_arithmetic_are_read(text, value):
    assert read_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "not a number"),
        ("__import__('os').system('touch /tmp/handgrad-pwned')", "not a number"),
        ("open('/etc/passwd')", "not a number"),
        ("(lambda: 1)()", "not a number"),
        ("x.real", "not a number"),
        ("[1, 2]", "not a number"),
        ("1 if 1 else 2", "not a number"),
        ("True", "not a number"),
        ("1j", "not a number"),
        ("'1'", "not a number"),
        ("1 // 2", "not a number"),
        ("exp(1, 2)", "not a number"),
        ("9**9**9", "exponent"),
        ("10**64 * 10**64", "too large"),
        ("exp(1000)", "too large"),
        ("1e309", "finite"),
        ("1/0", "divides by zero"),
        ("log(-1)", "undefined"),
        ("(-8)**0.5", "negative"),
        ("0**-1", "divides by zero"),
        ("-(" * 60 + "1" + ")" * 60, "nested too deeply"),
        ("-" * 100 + "1", "nested too deeply"),
        ("1" * (MAX_VALUE_CHARS + 1), "longer than"),
        ("", "empty"),
        ("1\x002", "not a number"),
    ],
)
def test_hostile_or_broken_values_get_one_clear_line(text, message):
    started = time.perf_counter()
    with pytest.raises(UserError, match=message) as error:
        read_number(text)
    assert "\n" not in str(error.value)
    assert time.perf_counter() - started < 1.0  # refused at once, not computed


@given(st.floats(-1e12, 1e12), st.sampled_from(["{}", "{:.3f}", "{:.0f}", "{:e}", "{:.2E}"]))
def test_a_plain_decimal_reads_as_the_same_number_written_as_arithmetic(number, layout):
    text = layout.format(number)
    plain, parsed = read_number(text), read_number(f"({text})")  # in parentheses: read as arithmetic
    assert plain == parsed and math.copysign(1, plain) == math.copysign(1, parsed)


def test_nothing_is_executed():
    import os

    with pytest.raises(UserError):
        read_number("__import__('os').system('touch /tmp/handgrad-pwned')")
    assert not os.path.exists("/tmp/handgrad-pwned")


def test_parentheses_alone_do_not_nest_operations():
    assert read_number("(" * 90 + "1" + ")" * 90) == 1.0


def test_rows_and_brackets():
    assert read_rows("1, 2; 3, 4") == [[1, 2], [3, 4]]
    assert read_rows("[0.1, -0.2]") == [[0.1, -0.2]]
    assert read_rows("[1, 2]; [3, 4];") == [[1, 2], [3, 4]]


def test_a_matrix_pasted_as_handgrad_prints_it_reads_as_rows():
    assert read_rows("[[0.1, -0.2], [0.3, 0.4]]") == [[0.1, -0.2], [0.3, 0.4]]
    assert read_rows("[1, 2], [3, 4]") == [[1, 2], [3, 4]]
    assert read_rows(" [ [1 , 2 ] , [ 3, 4 ] ] ") == [[1, 2], [3, 4]]
    assert read_rows("[[1, 2, 3]]") == [[1, 2, 3]]


def test_values_separated_by_spaces_as_numpy_prints_them_are_told_to_use_commas():
    with pytest.raises(UserError, match="separate values with commas"):
        read_values("[ 0.165  0.15   0.549 -0.865]", (4,), "dlogits")


def test_the_right_count_in_another_layout_is_read_as_typed_for_grading_to_name():
    assert read_values("1, 2; 3, 4", (4,), "dx").shape == (2, 2)
    assert read_values("1, 2, 3", (3, 1), "dx").shape == (3,)
    assert read_values("1, 2, 3; 4, 5, 6", (3, 2), "dW").shape == (2, 3)


def test_a_lone_zero_is_the_all_zero_gradient_of_any_shape():
    np.testing.assert_array_equal(read_values("0", (2, 3), "dlogit_maxes"), np.zeros((2, 3)))
    np.testing.assert_array_equal(read_values("0", (2, 1, 3), "demb"), np.zeros((2, 1, 3)))


@pytest.mark.parametrize(
    ("text", "shape", "message"),
    [
        ("1, 2", (3,), "expects 3 values separated by commas; you gave 2 values"),
        ("1, 2; 3", (2, 2), "dx expects 2 rows of 2 values, rows separated by ';'; you gave 2 rows of 1/2 values"),
        ("1; 2", (), "dx expects 1 value; you gave 2 rows of 1 value"),
        ("", (3,), "no values given"),
        ("1,,2", (3,), "empty"),
        ("1, x, 3", (3,), "not a number"),
        ("1" + ",1" * 3000, (3,), "longer than 4000"),
    ],
)
def test_wrong_shapes_say_what_is_expected(text, shape, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(";", ";")):
        read_values(text, shape, "dx")


def test_values_have_the_asked_shape():
    assert read_values("0.5", (), "dz").shape == ()
    np.testing.assert_allclose(read_values("1, 2; 3, 4", (2, 2)), [[1, 2], [3, 4]])


def test_named_answers():
    shapes = {"dz": (), "dw": (2,)}
    answers = read_named_answers(["dz=0.5", "dw = 1, 0"], shapes)
    assert answers["dz"] == 0.5 and answers["dw"].tolist() == [1, 0]
    for items, message in [([], "no answers given"), (["dq=1"], "does not ask 'dq'"),
                           (["dz"], "not NAME=VALUES"), (["dz=1", "dz=2"], "given twice")]:
        with pytest.raises(UserError, match=message):
            read_named_answers(items, shapes)


def assert_value_or_clear_error(text):
    try:
        rows = read_rows(text)
    except UserError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert all(math.isfinite(value) for row in rows for value in row)


@given(st.text(max_size=300))
def test_any_text_gives_a_value_or_a_clear_error(text):
    assert_value_or_clear_error(text)




@given(st.text(alphabet="0123456789.+-*/()e ,;^expltanhsqrt", max_size=80))
def test_arithmetic_soup_gives_a_value_or_a_clear_error(text):
    assert_value_or_clear_error(text)


@pytest.mark.parametrize("text", ["0.549 -0.865, 0.3", "0.549 -0.865 +0.3"])
def test_a_missing_comma_before_a_sign_is_asked_about(text):
    with pytest.raises(UserError, match=r"did you mean 3 values\? separate them with a comma"):
        read_values(text, (3,))


def test_a_spaced_subtraction_with_the_right_count_is_taken():
    assert read_values("1 - 0.5, 2", (2,)).tolist() == [0.5, 2.0]


def test_differences_get_the_digits_their_size_needs():
    from handgrad_cli.numbers import format_difference

    assert format_difference(0.001) == "0.00100"
    assert format_difference(0.00004) == "0.0000400"
    assert format_difference(-0.000091) == "-0.0000910"
    assert format_difference(0.5) == "0.500"
    assert format_difference(12.345) == "12.3"
    assert format_difference(0.0) == "0"
    assert format_difference(1e-17) == "0"  # float noise, not the learner's


@pytest.mark.parametrize(("text", "shape", "message"), [
    ("1, 2, 3, 4; 5, 6", (3, 2), "dW expects 3 rows of 2 values, rows separated by ';'; you gave 2 rows of 2/4 values"),
    ("1, 2; 3, 4; 5", (1, 2), "you gave 3 rows of 1/2 values"),
])
def test_another_count_of_numbers_is_refused_without_the_answers_formula(text, shape, message):
    with pytest.raises(UserError, match=re.escape(message)) as refused:
        read_values(text, shape, "dW")
    assert "@" not in str(refused.value) and "transpose" not in str(refused.value)


@pytest.mark.parametrize("text", [
    "tensor([[0.1, 0.2], [0.3, 0.4]])",
    "tensor([[0.1, 0.2],\n        [0.3, 0.4]], grad_fn=<AddBackward0>)",
    "array([[0.1, 0.2],\n       [0.3, 0.4]])",
    "np.array([[0.1, 0.2], [0.3, 0.4]])",
    "[[0.1, 0.2], [0.3, 0.4]]",
    "0.1, 0.2; 0.3, 0.4",
])
def test_a_matrix_pasted_from_numpy_or_pytorch_is_read(text):
    assert read_values(text, (2, 2), "dW").tolist() == [[0.1, 0.2], [0.3, 0.4]]
