-- Each mart has exactly one row per row of each vendor's conformed staging model, under that
-- vendor's provider (the conformed models' own hr_one_row_per tests tie them to the vendor
-- records). Returns the (model, provider) pairs whose counts differ.
{% set pairs = [] %}
{% for vendor in hr_vendors() %}
  {% for mart in var('hr_conformed_models')[vendor] %}
    {% do pairs.append((mart, vendor)) %}
  {% endfor %}
{% endfor %}

{% for mart, vendor in pairs %}
select '{{ mart }}' as model, '{{ vendor }}' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from {{ ref(mart) }} where provider = '{{ vendor }}') as unified
cross join (select count(*) as n from {{ ref(vendor ~ '__' ~ mart) }}) as staged
where unified.n <> staged.n
{% if not loop.last %}union all{% endif %}
{% else %}
select 'none' as model, 'none' as provider, 0 as unified_rows, 0 as staged_rows where 1 = 0
{% endfor %}
