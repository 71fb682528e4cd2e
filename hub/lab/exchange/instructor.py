"""Instructor-side exchange steps: releasing and collecting happen on the platform's course page, where they are
checked and audited, not from a notebook server."""
from __future__ import annotations

from nbgrader.exchange import abc

from hub.lab.exchange.base import PlatformExchange

_ON_THE_PLATFORM = ("请在平台的课程管理页面（/services/jinguo/）{zh}；提交会自动收取并评分 / "
                    "Use the course page on the platform (/services/jinguo/) to {en}; submissions are collected "
                    "and graded there automatically")


class ExchangeReleaseAssignment(abc.ExchangeReleaseAssignment, PlatformExchange):
    def start(self) -> None:
        self.fail(_ON_THE_PLATFORM.format(zh="发布作业", en="release assignments"))


class ExchangeReleaseFeedback(abc.ExchangeReleaseFeedback, PlatformExchange):
    def start(self) -> None:
        self.fail(_ON_THE_PLATFORM.format(zh="发布反馈", en="release feedback"))


class ExchangeCollect(abc.ExchangeCollect, PlatformExchange):
    def start(self) -> None:
        self.fail(_ON_THE_PLATFORM.format(zh="查看提交", en="see submissions"))
