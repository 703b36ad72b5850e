{#-
  One row per employee and interval on two timelines, for every vendor built: the union of the
  vendors' conformed `<vendor>__hr_employment_history` models (docs/dbt-history.md).

  `effective`: when it was true, as the vendor dates it now (a correction rewrites it; changes a
  vendor does not date are dated by the load that saw them). `observed`: what each load saw, dated
  by that load; never rewritten. Dates are inclusive; `valid_to` null: open. A leaver keeps every
  interval, then one open `terminated` interval on the effective timeline.
-#}
{{ config(enabled=(hr_vendors_providing('hr_employment_history') | length > 0)) }}

with unioned as (
    {{ union_vendors('hr_employment_history') }}
)

select
    *,
    timeline = 'effective' and valid_from <= {{ hr_today() }}
        and (valid_to is null or valid_to >= {{ hr_today() }}) as is_current
from unioned
