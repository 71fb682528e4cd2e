"""The JSON API's own endpoints: its OpenAPI document, and the JSON answer to a path it does not have (documented
in docs/api.md). The service adds NotFoundHandler after every module's ROUTES."""
from __future__ import annotations

from hub.refusals import Refused
from hub.web.base import APIHandler
from hub.web.openapi import openapi_document


class OpenAPIHandler(APIHandler):
    async def get(self) -> None:
        self.write_json(openapi_document(self.application))


class NotFoundHandler(APIHandler):
    async def prepare(self) -> None:
        raise Refused(404, "not_found", "没有这个接口", "No such API endpoint")


ROUTES = [("api/openapi.json", OpenAPIHandler)]
