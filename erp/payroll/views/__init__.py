"""The payroll web screens (Chinese): employees, runs, rules and parameters, the 个税试算 page."""
