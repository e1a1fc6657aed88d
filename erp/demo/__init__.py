"""演示账套: the last step of ``erp load-demo``, after every module's demo data (see :mod:`.closing`)."""
