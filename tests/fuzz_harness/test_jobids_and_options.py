"""JOB_IDS parsing and the option checks that make a run exit 2 before any request."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fuzz_harness.jobids import INT64_MAX, JobIdsError, JobIdSet
from fuzz_harness.options import OptionsError, build_options, demo_identities

PROJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OTHER = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def test_ranges_and_single_ids_merge_and_sample_inside():
    ids = JobIdSet.parse(" 1-600, 601-700 ,9223372036854775807,5")
    assert ids.ranges == ((1, 700), (INT64_MAX, INT64_MAX))
    assert ids.size == 701
    assert 700 in ids
    assert INT64_MAX in ids
    assert 701 not in ids
    assert True not in ids
    sample = ids.sample(random.Random(1), 50)
    assert len(set(sample)) == 50
    assert all(i in ids for i in sample)
    assert str(ids) == "1-700,9223372036854775807"


def test_huge_ranges_are_sampled_without_expanding():
    ids = JobIdSet.parse(f"0-{INT64_MAX}")
    assert len(ids.sample(random.Random(2), 1000)) == 1000


@pytest.mark.parametrize("text", ["x", "5-1", "-3", "1-", f"{INT64_MAX + 1}"])
def test_bad_job_ids_are_refused(text):
    with pytest.raises(JobIdsError):
        JobIdSet.parse(text)


def _options(**given: str):
    values = {
        "base_url": "http://127.0.0.1:9",
        "auth_token": "t",
        "project_id": PROJECT,
        "job_ids": "",
        "other_auth_token": "",
        "other_project_id": "",
        "other_job_ids": "",
    } | given
    return build_options(
        base_url=values["base_url"],
        auth_token=values["auth_token"],
        project_id=values["project_id"],
        job_ids=values["job_ids"],
        other_auth_token=values["other_auth_token"],
        other_project_id=values["other_project_id"],
        other_job_ids=values["other_job_ids"],
        max_examples=10,
        seed=1,
        mode="all",
        workers=1,
        report_dir=Path("r"),
        demo=demo_identities(),
    )


def test_no_base_url_fuzzes_the_reference_server_with_both_demo_identities():
    options = _options(base_url="", auth_token="", project_id="")
    assert options.base_url is None
    assert str(options.identity.job_ids) == "1-600"
    assert options.other is not None
    assert str(options.other.job_ids) == "601-1200"


def test_a_valid_set_of_options_passes():
    options = _options(
        job_ids="1-5",
        other_auth_token="u",
        other_project_id=OTHER,
        other_job_ids="6-9",
    )
    assert options.secrets == {"AUTH_TOKEN": "t", "OTHER_AUTH_TOKEN": "u"}


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"auth_token": ""}, "AUTH_TOKEN and PROJECT_ID are required"),
        ({"project_id": PROJECT.upper()}, "PROJECT_ID"),
        ({"job_ids": "a-b"}, "JOB_IDS"),
        ({"other_auth_token": "u"}, "go together"),
        ({"other_auth_token": "u", "other_project_id": PROJECT}, "must differ"),
        (
            {
                "job_ids": "1-9",
                "other_auth_token": "u",
                "other_project_id": OTHER,
                "other_job_ids": "9",
            },
            "overlap",
        ),
        ({"base_url": "ftp://x"}, "not an http"),
    ],
)
def test_bad_options_are_refused_with_the_reason(given, says):
    with pytest.raises(OptionsError, match=says):
        _options(**given)
