"""One renderer per source, in the order the files are written: the registry the landing zone,
the CLI and the tests take the sources from."""

from __future__ import annotations

from secfeat.simulate.renderers.base import Renderer
from secfeat.simulate.renderers.cloudtrail import CloudTrailRenderer
from secfeat.simulate.renderers.entra import EntraRenderer
from secfeat.simulate.renderers.google_workspace import GoogleWorkspaceRenderer
from secfeat.simulate.renderers.okta import OktaRenderer
from secfeat.simulate.renderers.sshd import SshdRenderer
from secfeat.simulate.renderers.windows import WindowsRenderer

RENDERERS: dict[str, type[Renderer]] = {
    renderer.source: renderer
    for renderer in (WindowsRenderer, SshdRenderer, CloudTrailRenderer, OktaRenderer, EntraRenderer,
                     GoogleWorkspaceRenderer)
}
SOURCES = tuple(RENDERERS)
FILE_NAMES = {source: (renderer.file_stem, renderer.suffix) for source, renderer in RENDERERS.items()}
# About one record in BAD_RECORD_INTERVAL of each of these sources is subtly wrong, as described here.
BAD_RECORDS = {source: renderer.bad_record for source, renderer in RENDERERS.items() if renderer.bad_record}
