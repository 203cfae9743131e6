"""`scrapy runspider FILE`, with the same logging and exit status as the project's crawl."""

from scrapy.commands.runspider import Command as ScrapyRunSpiderCommand

from procurement_spiders.commands.crawl import ProjectRunMixin


class Command(ProjectRunMixin, ScrapyRunSpiderCommand):
    pass
