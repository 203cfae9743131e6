"""`scrapy runspider FILE`, with the same logging and exit status as the project's crawl."""

from pathlib import Path

from scrapy.commands.runspider import Command as ScrapyRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.spider import iter_spider_classes

from procurement_spiders.commands.crawl import ProjectRunMixin


class Command(ProjectRunMixin, ScrapyRunSpiderCommand):
    def spider_for(self, args: list[str]):
        """The last spider class of the file, as Scrapy's runspider picks it."""
        import runpy
        import types

        filename = Path(args[0])
        if not filename.exists():
            raise UsageError(f"File not found: {filename}\n")
        module = types.ModuleType(filename.stem)
        try:
            module.__dict__.update(runpy.run_path(str(filename), run_name=filename.stem))
        except (ImportError, ValueError) as exc:
            raise UsageError(f"Unable to load {str(filename)!r}: {exc}\n") from exc
        found = list(iter_spider_classes(module))
        if not found:
            raise UsageError(f"No spider found in file: {filename}\n")
        return found.pop()
