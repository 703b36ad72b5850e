-- The unified model has exactly one row per staged vendor record: no join fans out, none drops.
-- Returns the (model, provider) pairs whose counts differ.
{% set vendors = var('hr_vendors') %}
{% set pairs = [] %}
{% if 'hollyhr' in vendors %}
  {% do pairs.append(('hr_employees', 'hollyhr', 'stg_hollyhr__people')) %}
  {% do pairs.append(('hr_time_off', 'hollyhr', 'stg_hollyhr__time_off')) %}
{% endif %}
{% if 'bytehr' in vendors %}
  {% do pairs.append(('hr_employees', 'bytehr', 'stg_bytehr__employees')) %}
  {% do pairs.append(('hr_time_off', 'bytehr', 'stg_bytehr__leave_requests')) %}
  {% do pairs.append(('hr_departments', 'bytehr', 'stg_bytehr__departments')) %}
{% endif %}
{% if 'cutehr' in vendors %}
  {% do pairs.append(('hr_employees', 'cutehr', 'stg_cutehr__employees')) %}
  {% do pairs.append(('hr_time_off', 'cutehr', 'stg_cutehr__leaves')) %}
  {% do pairs.append(('hr_departments', 'cutehr', 'stg_cutehr__departments')) %}
{% endif %}

{% for model, provider, staging in pairs %}
select '{{ model }}' as model, '{{ provider }}' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from {{ ref(model) }} where provider = '{{ provider }}') as unified
cross join (select count(*) as n from {{ ref(staging) }}) as staged
where unified.n <> staged.n
{% if not loop.last %}union all{% endif %}
{% endfor %}
