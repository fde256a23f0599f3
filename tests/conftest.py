"""Shared test helpers: small schemes written inline as YAML, and the seed's path."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent

import pytest

from kaohe.core.scheme import Scheme
from kaohe.formats.yaml_scheme import loads_yaml

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_79da29b595756ae5.txt"

SMALL = """
kaohe-scheme: 1
name: demo
title: 演示指标体系
year: 2018
total: 10
units: [甲县, 乙县, 丙区]
groups:
  县: [甲县, 乙县]
  区: [丙区]
aliases: {丙城区: 丙区}
departments: [市委办公室, 市委组织部]
dimensions:
  - title: 政治建设
    points: 10
    indicators:
      - title: 指标一
        points: 10
        criteria:
          - title: 标准A
            points: 6
            departments: [市委办公室]
            items:
              - {title: 内容1, points: 4}
              - {title: 内容2, points: 2}
          - title: 标准B
            points: 4
            departments: [市委组织部]
            note: 适用于县
            items:
              - {title: 内容1, points: 4}
          - title: 标准B
            points: 4
            departments: [市委组织部]
            note: 适用于区
            content: 做好相关工作
"""


def scheme_from(text: str) -> Scheme:
    return loads_yaml(dedent(text), "test.yaml")


@pytest.fixture
def small() -> Scheme:
    """A clean three-unit scheme with two variants of one criterion."""
    return scheme_from(SMALL)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The official text in ../shared/seeds: skipped with a message when absent, required under CI."""
    if not SEED.exists():
        message = f"the seed document is not at {SEED} (it lives in ../shared/seeds beside the repo)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SEED


@pytest.fixture
def build():
    """`build(yaml_text)` → Scheme, for tests that write their own small scheme."""
    return scheme_from


@pytest.fixture
def small_yaml() -> str:
    return dedent(SMALL)
